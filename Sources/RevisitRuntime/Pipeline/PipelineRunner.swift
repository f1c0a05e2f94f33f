import Foundation
import Logging
import RevisitCore
import RevisitKafka

/// The long-running pipeline of one `revisit run` process (SPEC 8): a member of the
/// application's consumer group with one ``PartitionTask`` per assigned input partition.
///
/// Processing happens on the thread that calls ``run(until:)``, which owns the consumer
/// (see `RdKafkaClient` for the threading model); writing happens on the ``OutputWriter``'s
/// thread, which owns the producer. Per loop: poll a batch, hand rebalances and messages to
/// the tasks and their outputs to the writer; every `checkpoint_interval`, hand the tasks'
/// checkpoints over and, once the writer made them durable, commit; every second, let silent
/// partitions' watermarks follow the wall clock (`idle_advance`); every `metricsInterval`,
/// publish the figures kept meanwhile (``PipelineMetrics``), and on each round tell the
/// health reporter that the loop is alive.
public final class PipelineRunner {
    public let configuration: PipelineRunnerConfiguration
    private let logger: Logger
    private let stateTopic: String
    private let restorer: TaskRestorer
    private var tasks: [Int32: PartitionTask] = [:]
    private var consumer: KafkaConsumer!
    private var writer: OutputWriter!
    /// The periodic checkpoint handed to the writer and not yet durable.
    private var checkpointInFlight: OutputWriter.Ticket?
    private var failedPartitions: Set<Int32> = []
    /// librdkafka's queue limit of the writer's producer (`queue.buffering.max.messages`).
    private var producerQueueLimit = 100_000
    private var summary = PipelineRunSummary()
    private var lastCheckpointAt = Date()
    private var lastIdleCheckAt = Date()
    private var lastLagCheckAt = Date()
    /// The partitions announced ready (the ready file lists them), nil while not ready.
    private var readyPartitions: [Int32]?
    private let metrics: PipelineMetrics?
    private var lastMetricsAt = Date.distantPast
    /// When the checkpoint in flight was handed to the writer.
    private var checkpointRequestedAt = Date()
    private var lastSeekAt = Date.distantPast
    /// Emptied output buffers the writer gave back, for the tasks' next outputs.
    private var spareOutputBuffers: [[OutputRecord]] = []

    public init(configuration: PipelineRunnerConfiguration, logger: Logger = Logger(label: "revisit.run")) {
        self.configuration = configuration
        self.logger = logger
        self.stateTopic = configuration.stateTopic
        self.restorer = TaskRestorer(
            kafka: configuration.kafka, stateTopic: configuration.stateTopic, inputTopic: configuration.pipeline.topics.input,
            outputTopics: configuration.pipeline.topics.outputs, rules: configuration.pipeline.rules)
        self.metrics = configuration.metricsFactory.map {
            PipelineMetrics(factory: $0, outputTopics: configuration.pipeline.topics.outputs)
        }
    }

    private var pipeline: PipelineConfiguration { configuration.pipeline }
    private var input: String { pipeline.topics.input }

    // MARK: - Running

    /// Runs until `shouldStop` returns true (checked between batches), or until caught up
    /// with ``PipelineRunnerConfiguration/exitWhenCaughtUp``; then writes a last checkpoint,
    /// leaves the group and returns what it did.
    public func run(until shouldStop: () -> Bool) throws(PipelineError) -> PipelineRunSummary {
        // Checkpoints count delivery reports per partition, which only an idempotent
        // producer reports in the order the messages were sent.
        if configuration.kafka.properties["enable.idempotence"] == "false" {
            throw PipelineError(
                .configuration,
                "kafka.enable.idempotence=false: revisit run needs the idempotent producer (its checkpoints rely on ordered, unduplicated writes); remove the setting")
        }
        let partitionCount = try prepareTopics()
        logger.info("input \(input) has \(partitionCount) partitions; joining group \(pipeline.applicationID)")
        do {
            var producerConfiguration = KafkaProducerConfiguration(kafka: configuration.kafka.withClientID("revisit-run"))
            producerConfiguration.lingerMilliseconds = 2
            // Backpressure is measured against the queue limit librdkafka enforces.
            if let limit = configuration.kafka.properties["queue.buffering.max.messages"].flatMap(Int.init) {
                producerConfiguration.maxQueuedMessages = limit
            }
            producerQueueLimit = producerConfiguration.maxQueuedMessages
            writer = OutputWriter(
                configuration: producerConfiguration, topics: pipeline.topics, stateTopic: stateTopic, logger: logger)
            var consumerConfiguration = KafkaConsumerConfiguration(
                kafka: configuration.kafka.withClientID("revisit-run"), groupID: pipeline.applicationID)
            consumerConfiguration.sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
            // Every task seeks its partition to the start its restore found (see start(_:)).
            consumerConfiguration.assignsFromLogStart = true
            consumer = try KafkaConsumer(configuration: consumerConfiguration)
            try consumer.subscribe([input])
        } catch {
            throw PipelineError(error)
        }
        withdrawReadiness("waiting for partitions")
        defer { withdrawReadiness("stopped") }
        var batch = ConsumerBatch()
        var inputWaitSinceLastMessage = 0.0
        var stopping = false
        var stopRequestedAt: Date?
        while !stopping {
            reportProgress()
            if stopRequestedAt == nil, shouldStop() { stopRequestedAt = Date() }
            if let requested = stopRequestedAt {
                // A task still re-reading up to its checkpoint finishes that first (a few
                // seconds at most), so that the last checkpoint and the counters cover it.
                let rereading = tasks.values.contains { !$0.isCaughtUpWithCheckpoint }
                if !rereading || Date().timeIntervalSince(requested) > 5 { break }
            }
            let pollStartedAt = Date()
            do {
                try consumer.pollBorrowing(into: &batch, maxMessages: 2_000, timeoutMilliseconds: 100)
            } catch {
                throw PipelineError(error)
            }
            for error in batch.errors { noteClientError(error) }
            for event in batch.rebalances { try handle(event) }
            let now = Date()
            let wallClock = Int64(now.timeIntervalSince1970 * 1000)
            var received = 0
            let input = input
            // Messages come in runs of one partition: look its task up once per run.
            var current: (partition: Int32, task: PartitionTask?) = (-1, nil)
            consumer.forEachBorrowedMessage { message in
                if message.partition != current.partition {
                    current = (message.partition, tasks[message.partition])
                }
                guard let task = current.task, message.topic == input else { return }
                task.handle(message, now: now, wallClock: wallClock)
                received += 1
            }
            if received > 0 {
                if summary.firstMessageAt == nil { summary.firstMessageAt = now }
                summary.lastMessageAt = now
                // Waits count once a message follows them: the idle end of a run is not one.
                summary.inputWaitSeconds += inputWaitSinceLastMessage
                inputWaitSinceLastMessage = 0
            } else if summary.firstMessageAt != nil {
                inputWaitSinceLastMessage += now.timeIntervalSince(pollStartedAt)
            }
            handOutputsOver()
            if writer.pendingRecords >= backpressureHighWater { try applyBackpressure() }
            seekTasksBackToTheirStart(now: now)
            advanceIdlePartitions(now: now)
            try settleCheckpoint()
            if checkpointInFlight == nil, now.timeIntervalSince(lastCheckpointAt) >= pipeline.checkpointInterval.seconds {
                checkpointInFlight = requestCheckpoints(Array(tasks.values))
                checkpointRequestedAt = now
                commitDurableOffsets()
                lastCheckpointAt = now
            }
            try resetFailedTasks()
            updateReadiness()
            publishMetrics(now: now)
            if configuration.exitWhenCaughtUp, received == 0, isCaughtUp(now: now) {
                logger.info("every assigned partition is caught up; stopping")
                stopping = true
            }
        }
        try shutDown()
        return summary
    }

    /// Creates the pipeline's missing topics, checks the present ones, and returns the
    /// input's partition count.
    private func prepareTopics() throws(PipelineError) -> Int {
        do {
            let prepared = try PipelineTopics.prepare(
                topics: pipeline.topics, stateTopic: stateTopic, kafka: configuration.kafka,
                inputPartitionsIfMissing: configuration.inputPartitionsIfMissing,
                creationConfigs: pipeline.topicCreationConfigs)
            for warning in prepared.warnings { logger.warning("\(warning)") }
            return prepared.inputPartitions
        } catch {
            throw PipelineError(.topics, error.description)
        }
    }

    // MARK: - Rebalances

    private func handle(_ event: RebalanceEvent) throws(PipelineError) {
        switch event {
        case .assigned(let partitions):
            let mine = partitions.filter { $0.topic == input }.map(\.partition)
            guard !mine.isEmpty else { return }
            logger.info("assigned partitions \(mine) of \(input)")
            metrics?.rebalanced(.assigned)
            try start(mine)
        case .revoked(let partitions, let lost):
            let mine = partitions.filter { $0.topic == input }.map(\.partition).filter { tasks[$0] != nil }
            guard !mine.isEmpty else { return }
            metrics?.rebalanced(lost ? .lost : .revoked)
            if lost {
                // The group already gave them to another member: write nothing more for them.
                logger.warning("partitions \(mine) were lost to the group (session timeout); dropping them without a checkpoint")
            } else {
                logger.info("partitions \(mine) revoked; checkpointing before letting go")
                try checkpointAndWait(mine.compactMap { tasks[$0] })
            }
            for p in mine { retire(p) }
            summary.partitionsReleased += mine.count
        }
    }

    /// Restores the partitions' tasks, then starts reading them from their rebuffer offsets.
    private func start(_ partitions: [Int32]) throws(PipelineError) {
        let topicPartitions = partitions.map { TopicPartition(input, $0) }
        do {
            try consumer.pause(topicPartitions)
        } catch {
            throw PipelineError(error)
        }
        withdrawReadiness("restoring partitions \(partitions)")
        metrics?.restoring(partitions: partitions.count)
        configuration.health?.progressed(at: .now, nextWithin: configuration.restoreAllowance)
        let restoreStartedAt = Date()
        let restored = try restoreRetrying(partitions)
        let now = Date()
        metrics?.restored(
            partitions: partitions.count, users: partitions.map { restored[$0]!.statistics.users }.reduce(0, +),
            seconds: now.timeIntervalSince(restoreStartedAt))
        reportProgress()
        var positions: [TopicPartitionOffset] = []
        for p in partitions {
            let task = PartitionTask(partition: p, restored: restored[p]!, now: now)
            tasks[p] = task
            writer.startTask(partition: p, outputEnds: restored[p]!.outputHighs, written: restored[p]!.writtenIDs)
            positions.append(TopicPartitionOffset(TopicPartition(input, p), offset: task.startOffset))
            let r = task.restore
            let rate = r.seconds > 0 ? Int(Double(r.users) / r.seconds) : r.users
            logger.info(
                "restored partition \(p): \(r.users) users from \(r.records) state records (\(r.bytes / 1024) KiB) in \(String(format: "%.3f", r.seconds)) s (\(rate) users/s), epoch \(task.epoch), \(r.outputsFound) outputs already written, reading from offset \(task.startOffset)")
            summary.restores.append(r)
        }
        // The re-stated checkpoints of the new owners go out first, fencing former owners.
        try checkpointAndWait(partitions.compactMap { tasks[$0] })
        do {
            // Resumed first: librdkafka 2.0.2 reconsiders fetching a resumed partition only
            // when its broker thread next wakes (up to a second later), a seek at once.
            // Whatever a resumed partition fetches before its seek is discarded by the seek.
            try consumer.resume(topicPartitions)
            try consumer.seek(positions)
        } catch {
            throw PipelineError(error)
        }
        summary.partitionsAssigned += partitions.count
    }

    private func restoreRetrying(_ partitions: [Int32]) throws(PipelineError) -> [Int32: TaskRestorer.Restored] {
        var attempt = 0
        while true {
            do {
                return try restorer.restore(partitions, wallClock: Int64(Date().timeIntervalSince1970 * 1000))
            } catch {
                attempt += 1
                guard error.isRetriable, attempt < 10 else { throw error }
                logger.warning("restoring partitions \(partitions) failed (\(error)); retrying")
                Thread.sleep(forTimeInterval: min(5, 0.5 * Double(attempt)))
            }
        }
    }

    /// Seeks again for tasks that received messages from before their start (see
    /// ``PartitionTask/needsSeek``), at most every 100 ms.
    private func seekTasksBackToTheirStart(now: Date) {
        guard now.timeIntervalSince(lastSeekAt) >= 0.1 else { return }
        let positions = tasks.values.filter(\.needsSeek).map {
            TopicPartitionOffset(TopicPartition(input, $0.partition), offset: $0.startOffset)
        }
        guard !positions.isEmpty else { return }
        lastSeekAt = now
        do {
            try consumer.seek(positions, timeoutMilliseconds: 1_000)
            for task in tasks.values { task.needsSeek = false }
            logger.debug("seeking \(positions) again: the first fetch started at the committed offset")
        } catch {
            logger.debug("seek \(positions) not possible yet (\(error)); trying again")
        }
    }

    // MARK: - Checkpoints and delivery

    /// Hands every task's collected outputs to the writer; their next ones collect in buffers
    /// the writer emptied.
    private func handOutputsOver() {
        let outputs = tasks.values.filter(\.hasOutputs).map {
            ($0.partition, $0.takeOutputs(collectingNextIn: spareOutputBuffers.popLast() ?? []))
        }
        let emptied = writer.write(outputs)
        spareOutputBuffers += emptied.prefix(max(0, OutputWriter.emptiedBufferLimit - spareOutputBuffers.count))
    }

    /// Hands the checkpoints of `tasks` that have something new to the writer, after their
    /// outputs so far; nil when none has.
    private func requestCheckpoints(_ tasks: [PartitionTask]) -> OutputWriter.Ticket? {
        handOutputsOver()
        let now = Date()
        let requests = tasks.compactMap {
            $0.checkpointRequest(now: now, snapshotInterval: pipeline.snapshotInterval.seconds)
        }
        return requests.isEmpty ? nil : writer.checkpoint(requests)
    }

    /// Takes the result of the checkpoint in flight when the writer is done with it.
    private func settleCheckpoint() throws(PipelineError) {
        if let fatal = writer.fatalError { throw fatal }
        failedPartitions.formUnion(writer.takeFailedPartitions())
        guard let ticket = checkpointInFlight, let durable = writer.durableCheckpoints(ticket) else { return }
        checkpointInFlight = nil
        metrics?.checkpointCompleted(seconds: Date().timeIntervalSince(checkpointRequestedAt))
        apply(durable)
    }

    /// Writes checkpoints of `tasks` now and waits until they are durable: before a
    /// partition is let go, and for a new owner's first checkpoint. A cluster that does not
    /// acknowledge makes this wait: a partition must not change hands with its work undone.
    private func checkpointAndWait(_ tasks: [PartitionTask]) throws(PipelineError) {
        if let ticket = checkpointInFlight {
            while writer.wait(for: ticket, timeout: 1).map({ apply($0) }) == nil {
                if let fatal = writer.fatalError { throw fatal }
                reportProgress()
            }
            metrics?.checkpointCompleted(seconds: Date().timeIntervalSince(checkpointRequestedAt))
            checkpointInFlight = nil
        }
        let requestedAt = Date()
        guard let ticket = requestCheckpoints(tasks) else { return }
        while true {
            if let durable = writer.wait(for: ticket, timeout: 1) {
                metrics?.checkpointCompleted(seconds: Date().timeIntervalSince(requestedAt))
                apply(durable)
                break
            }
            if let fatal = writer.fatalError { throw fatal }
            // Waiting for the cluster is not a stall: a restart would wait the same.
            reportProgress()
            logger.info("waiting for the cluster to acknowledge the checkpoint of partitions \(tasks.map(\.partition).sorted())")
        }
        failedPartitions.formUnion(writer.takeFailedPartitions())
    }

    /// Marks checkpoints durable and commits the input offsets they cover.
    private func apply(_ durable: [Int32: Checkpoint]) {
        for (p, checkpoint) in durable {
            guard let task = tasks[p] else { continue }
            task.checkpointIsDurable(checkpoint)
            summary.checkpoints += 1
            logger.debug("checkpoint of partition \(p) durable at input offset \(checkpoint.inputOffset) (re-read from \(checkpoint.rebufferOffset))")
        }
        commitDurableOffsets()
    }

    /// Commits the input offset of every task's durable checkpoint. All of them go out each
    /// time, not only new ones: commits are not waited for (a rebalance refuses them for a
    /// while), and they only serve lag monitoring; the state topic is what a restore trusts.
    private func commitDurableOffsets() {
        guard !tasks.isEmpty else { return }
        let commits = tasks.values.map { TopicPartitionOffset(TopicPartition(input, $0.partition), offset: $0.durable.inputOffset) }
        do {
            try consumer.commit(commits, waiting: false)
        } catch {
            logger.warning("commit not sent (\(error)); the next checkpoint sends it again")
        }
    }

    /// A task whose outputs or state records were not delivered starts over from its last
    /// durable checkpoint, as a new owner would.
    private func resetFailedTasks() throws(PipelineError) {
        guard failedPartitions.contains(where: { tasks[$0] != nil }) else {
            failedPartitions.removeAll()
            return
        }
        // Wait for what is still in flight, so the restore sees everything that will land.
        let flushed = writer.flush()
        while writer.wait(for: flushed, timeout: 1) == nil {
            if let fatal = writer.fatalError { throw fatal }
            reportProgress()
        }
        if let ticket = checkpointInFlight, let durable = writer.durableCheckpoints(ticket) {
            apply(durable.filter { !failedPartitions.contains($0.key) })
            checkpointInFlight = nil
        }
        failedPartitions.formUnion(writer.takeFailedPartitions())
        let failed = failedPartitions.filter { tasks[$0] != nil }.sorted()
        failedPartitions.removeAll()
        for p in failed { retire(p) }
        summary.resets += failed.count
        try start(failed)
    }

    // MARK: - Time, flow control, readiness

    private func advanceIdlePartitions(now: Date) {
        guard now.timeIntervalSince(lastIdleCheckAt) >= 1 else { return }
        lastIdleCheckAt = now
        let idle = pipeline.idleAdvance.seconds
        let instant = Int64(now.timeIntervalSince1970 * 1000) - pipeline.rules.allowedLateness.milliseconds
        for task in tasks.values where now.timeIntervalSince(task.lastInputAt) >= idle {
            task.advanceWatermark(to: instant)
        }
    }

    /// Outputs handed to the writer and not yet taken by its producer, from which input
    /// pauses: 80% of the producer's queue, which is full by then too.
    private var backpressureHighWater: Int { producerQueueLimit * 8 / 10 }

    /// When outputs pile up faster than the cluster takes them (a slow or absent broker),
    /// stop taking input until they drain to 20%, instead of letting memory grow. The consumer
    /// is not paused: librdkafka stops fetching by itself once its prefetch queue is full
    /// (``KafkaConsumerConfiguration/prefetchMessages``) and keeps what it prefetched for
    /// after the wait, which a paused partition would drop and fetch again.
    private func applyBackpressure() throws(PipelineError) {
        summary.backpressurePauses += 1
        while writer.pendingRecords > producerQueueLimit / 5 {
            writer.waitForPending(atMost: producerQueueLimit / 5, timeout: 1)
            if let fatal = writer.fatalError { throw fatal }
            reportProgress()
        }
    }

    private func isCaughtUp(now: Date) -> Bool {
        guard !tasks.isEmpty, now.timeIntervalSince(lastLagCheckAt) >= 0.2 else { return false }
        lastLagCheckAt = now
        for task in tasks.values {
            guard task.isCaughtUpWithCheckpoint else {
                logger.debug("partition \(task.partition) is still re-reading up to its checkpoint")
                return false
            }
            // The fetcher's view of the end: asking the broker would queue behind its fetches.
            guard let high = consumer.cachedWatermarks(of: TopicPartition(input, task.partition))?.high else { return false }
            if task.nextOffset < high {
                logger.debug("partition \(task.partition): \(high - task.nextOffset) messages behind")
                return false
            }
        }
        return true
    }

    /// Keeps readiness in step with the tasks: ready (the ready file present, listing the
    /// partitions; the health reporter told) while every assigned partition is restored and
    /// processing; not ready otherwise.
    private func updateReadiness() {
        let held = tasks.keys.sorted()
        guard held != readyPartitions else { return }
        guard !held.isEmpty else {
            withdrawReadiness("no partitions assigned")
            return
        }
        if let path = configuration.readyFile {
            let listing = held.map { "\(input)/\($0)" }.joined(separator: "\n") + "\n"
            // Written whole, then renamed: a probe never sees half a file.
            let temporary = path + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(listing.utf8)),
                  rename(temporary, path) == 0
            else {
                logger.warning("cannot write the ready file \(path)")
                return
            }
        }
        configuration.health?.setReady(true, reason: "")
        if readyPartitions == nil { logger.info("ready: partitions \(held) restored and processing") }
        readyPartitions = held
    }

    /// Not ready, for `reason`: removes the ready file (at start, also one a killed process
    /// left behind).
    private func withdrawReadiness(_ reason: String) {
        if let path = configuration.readyFile { try? FileManager.default.removeItem(atPath: path) }
        configuration.health?.setReady(false, reason: reason)
        readyPartitions = nil
    }

    // MARK: - Health and metrics

    /// Tells the health reporter that the loop (or one of its waits) went round.
    private func reportProgress() {
        configuration.health?.progressed(at: .now, nextWithin: nil)
    }

    /// Publishes every task's figures and the process's totals, at most every
    /// `metricsInterval` unless `force`d (a task about to go publishes its last ones).
    private func publishMetrics(now: Date, force: Bool = false) {
        guard let metrics, force || now.timeIntervalSince(lastMetricsAt) >= configuration.metricsInterval else { return }
        lastMetricsAt = now
        let wallClock = Int64(now.timeIntervalSince1970 * 1000)
        for task in tasks.values {
            publish(task, to: metrics, wallClock: wallClock)
        }
        let (_, alreadyWritten) = writer.outputCounts
        metrics.publish(ProcessMetricsSample(
            outputsByTopic: writer.outputCountsByTopic, outputsAlreadyWritten: alreadyWritten, checkpoints: summary.checkpoints,
            backpressurePauses: summary.backpressurePauses, resets: summary.resets, partitionsAssigned: tasks.count,
            outputQueue: writer.pendingRecords))
    }

    private func publish(_ task: PartitionTask, to metrics: PipelineMetrics, wallClock: Int64) {
        // The fetcher's view of the end, as for catching up: no request to the broker.
        let high = consumer.cachedWatermarks(of: TopicPartition(input, task.partition))?.high
        metrics.publish(task.takeMetricsSample(highWatermark: high), wallClock: wallClock)
    }

    private var lastClientErrorAt: Date?

    private func noteClientError(_ error: KafkaError) {
        // librdkafka reconnects by itself; say so once in a while rather than per retry.
        if let last = lastClientErrorAt, Date().timeIntervalSince(last) < 5 { return }
        lastClientErrorAt = Date()
        logger.warning("\(error) (retrying)")
    }

    /// Drops a task, keeping what it did in the summary and its last figures in the metrics.
    private func retire(_ partition: Int32) {
        guard let task = tasks.removeValue(forKey: partition) else { return }
        summary.add(task.statistics)
        if let metrics {
            publish(task, to: metrics, wallClock: Int64(Date().timeIntervalSince1970 * 1000))
            metrics.removePartition(partition)
        }
    }

    // MARK: - Stopping

    private func shutDown() throws(PipelineError) {
        logger.info("stopping: writing the last checkpoint of \(tasks.count) partitions")
        configuration.health?.setReady(false, reason: "stopping")
        readyPartitions = nil
        let deadline = Date().addingTimeInterval(configuration.shutdownTimeout)
        if let ticket = checkpointInFlight, let durable = writer.wait(for: ticket, timeout: deadline.timeIntervalSinceNow) {
            apply(durable)
            checkpointInFlight = nil
        }
        if checkpointInFlight == nil, let ticket = requestCheckpoints(Array(tasks.values)) {
            if let durable = writer.wait(for: ticket, timeout: max(0, deadline.timeIntervalSinceNow)) {
                apply(durable)
            } else {
                // The next owner restores the last durable checkpoint and redoes the rest.
                logger.warning("the cluster did not acknowledge the last checkpoint in time; stopping without it")
            }
        }
        do {
            try consumer.close()
        } catch {
            throw PipelineError(error)
        }
        writer.stop(timeout: max(1, deadline.timeIntervalSinceNow))
        (summary.outputsWritten, summary.outputsAlreadyWritten) = writer.outputCounts
        summary.outputsByTopic = writer.outputCountsByTopic
        // The HTTP server outlives the runner a moment: its last scrapes see the final figures.
        publishMetrics(now: Date(), force: true)
        for (p, task) in tasks { summary.heldAtStop[p] = (task.processor.counters, task.processor.bufferedEvents) }
        for p in tasks.keys.sorted() { retire(p) }
    }
}

extension TimeSpan {
    var seconds: TimeInterval { Double(milliseconds) / 1000 }
}
