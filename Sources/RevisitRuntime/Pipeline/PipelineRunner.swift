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
/// health reporter that the loop is alive. When to do what is decided by its
/// ``StateMachine`` from the time of its ``RuntimeClock``.
///
/// A stop is bounded: the loop and every wait in it (for a checkpoint, for outputs to
/// drain, for a restore) look at the stop request at least once a second, and the last
/// checkpoints are waited for until ``PipelineRunnerConfiguration/shutdownTimeout`` at most.
/// A client error librdkafka recovers from is logged (once per kind every 10 s) and counted;
/// a fatal one stops the runner with an error, for the supervisor to start the process again.
public final class PipelineRunner {
    public let configuration: PipelineRunnerConfiguration
    private let logger: Logger
    private let environment: RuntimeEnvironment
    private let stateTopic: String
    private let restorer: TaskRestorer
    private let clientErrors: ClientErrorLog
    /// Set when the stop's deadline passed: restores and writes give up waiting.
    private let interruption = WaitInterruption()
    private var tasks: [Int32: PartitionTask] = [:]
    private var consumer: (any InputConsumer)!
    private var writer: OutputWriter!
    private var machine: StateMachine!
    private var stopRequested: () -> Bool = { false }
    private var failedPartitions: Set<Int32> = []
    private var summary = PipelineRunSummary()
    private var readiness: Readiness
    private let metrics: PipelineMetrics?
    /// Emptied output buffers the writer gave back, for the tasks' next outputs.
    private var spareOutputBuffers: [[OutputRecord]] = []
    private var batch = ConsumerBatch()
    private var inputWaitSinceLastMessage = 0.0

    public convenience init(configuration: PipelineRunnerConfiguration, logger: Logger = Logger(label: "revisit.run")) {
        self.init(configuration: configuration, environment: .kafka(configuration), logger: logger)
    }

    /// A runner in `environment`: the runtime's test driver gives its own clock and clients.
    init(configuration: PipelineRunnerConfiguration, environment: RuntimeEnvironment, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.environment = environment
        self.stateTopic = configuration.stateTopic
        self.clientErrors = ClientErrorLog(logger: logger, clock: environment.clock)
        self.restorer = TaskRestorer(
            stateReader: environment.makeLogReader("-restore", interruption),
            outputReader: environment.makeLogReader("-restore-outputs", interruption),
            stateTopic: configuration.stateTopic, inputTopic: configuration.pipeline.topics.input,
            outputTopics: configuration.pipeline.topics.outputs, rules: configuration.pipeline.rules)
        self.readiness = Readiness(
            readyFile: configuration.readyFile, health: configuration.health, input: configuration.pipeline.topics.input,
            logger: logger)
        self.metrics = configuration.metricsFactory.map {
            PipelineMetrics(factory: $0, outputTopics: configuration.pipeline.topics.outputs)
        }
    }

    private var clock: any RuntimeClock { environment.clock }
    /// Client errors noted so far, by client and code.
    var clientErrorCounts: [ClientErrorKind: Int] { clientErrors.counts }
    /// What the runner did so far (complete once it stopped).
    var summarySoFar: PipelineRunSummary { summary }
    /// The partitions with a task.
    var heldPartitions: [Int32] { tasks.keys.sorted() }
    /// The state machine's state, for tests.
    var state: StateMachine.State { machine.state }

    private var pipeline: PipelineConfiguration { configuration.pipeline }
    private var input: String { pipeline.topics.input }

    // MARK: - Running

    /// Runs until `shouldStop` returns true (checked at least once a second, in every
    /// wait), or until caught up with ``PipelineRunnerConfiguration/exitWhenCaughtUp``;
    /// then writes a last checkpoint, leaves the group and returns what it did.
    public func run(until shouldStop: @escaping () -> Bool) throws(PipelineError) -> PipelineRunSummary {
        try start(stoppingWhen: shouldStop)
        while try runRound() {}
        return summary
    }

    /// Prepares the topics, starts the writer and joins the group.
    func start(stoppingWhen shouldStop: @escaping () -> Bool) throws(PipelineError) {
        stopRequested = shouldStop
        // Checkpoints count delivery reports per partition, which only an idempotent
        // producer reports in the order the messages were sent.
        if configuration.kafka.properties["enable.idempotence"] == "false" {
            throw PipelineError(
                .configuration,
                "kafka.enable.idempotence=false: revisit run needs the idempotent producer (its checkpoints rely on ordered, unduplicated writes); remove the setting")
        }
        let prepared = try environment.prepareTopics()
        for warning in prepared.warnings { logger.warning("\(warning)") }
        logger.info("input \(input) has \(prepared.inputPartitions) partitions; joining group \(pipeline.applicationID)")
        var producerConfiguration = KafkaProducerConfiguration(kafka: configuration.kafka.withClientID("revisit-run"))
        producerConfiguration.lingerMilliseconds = 2
        // Backpressure is measured against the queue limit librdkafka enforces.
        if let limit = configuration.kafka.properties["queue.buffering.max.messages"].flatMap(Int.init) {
            producerConfiguration.maxQueuedMessages = limit
        }
        machine = StateMachine(
            timing: StateMachine.Timing(
                checkpointRoundInterval: min(pipeline.checkpointInterval.seconds, CheckpointRound.interval),
                commitInterval: pipeline.checkpointInterval.seconds, metricsInterval: configuration.metricsInterval,
                stopTimeout: configuration.shutdownTimeout, exitWhenCaughtUp: configuration.exitWhenCaughtUp),
            queueLimit: producerConfiguration.maxQueuedMessages, now: clock.now)
        let makeProducer = environment.makeProducer
        writer = OutputWriter(
            makeProducer: { [producerConfiguration] interruption throws(KafkaError) in
                try makeProducer(producerConfiguration, interruption)
            },
            topics: pipeline.topics, stateTopic: stateTopic, errors: clientErrors, logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(
            kafka: configuration.kafka.withClientID("revisit-run"), groupID: pipeline.applicationID)
        consumerConfiguration.sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        // Every task seeks its partition to the start its restore found (see start(_:)).
        consumerConfiguration.assignsFromLogStart = true
        do {
            consumer = try environment.makeConsumer(consumerConfiguration)
            try consumer.subscribe([input])
        } catch {
            throw PipelineError(error)
        }
        readiness.withdraw("waiting for partitions")
    }

    /// One round of the loop, as the state machine decides; false once the runner stopped.
    func runRound() throws(PipelineError) -> Bool {
        reportProgress()
        let rereading = tasks.values.contains { !$0.isCaughtUpWithCheckpoint }
        switch machine.nextRound(
            now: clock.now, stopRequested: stopRequested(), rereading: rereading, pendingOutputs: writer.pendingRecords) {
        case .pollInput:
            try pollAndProcess()
            return true
        case .waitForOutputs(let limit):
            writer.waitForPending(atMost: limit, timeout: 0.1)
            if let fatal = writer.fatalError { throw fatal }
            return true
        case .stop(let deadline):
            defer { readiness.withdraw("stopped") }
            try shutDown(deadline: deadline)
            return false
        }
    }

    /// Polls a batch, hands rebalances and messages to the tasks and their outputs to the
    /// writer, and does the chores due.
    private func pollAndProcess() throws(PipelineError) {
        let pollStartedAt = clock.now
        do {
            try consumer.pollBorrowing(into: &batch, maxMessages: 2_000, timeoutMilliseconds: 100)
        } catch {
            throw PipelineError(
                .kafka, "the consumer cannot go on: \(error); the process stops for its supervisor to restart it")
        }
        for error in batch.errors { clientErrors.note(error, client: .consumer) }
        for event in batch.rebalances { try handle(event) }
        let now = clock.now
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
            if task.hasPausedRelease { handOverInChunks(task) }
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
        let chores = machine.choresDue(now: now, received: received)
        if chores.contains(.seekAgain) { seekTasksBackToTheirStart(now: now) }
        if chores.contains(.advanceIdlePartitions) { advanceIdlePartitions(now: now) }
        try settleCheckpoint()
        if chores.contains(.checkpoint) {
            let round = CheckpointRound.tasks(
                from: tasks.values, now: now, checkpointInterval: pipeline.checkpointInterval.seconds,
                budget: configuration.checkpointUserBudget)
            machine.checkpointHandedOver(requestCheckpoints(round), at: now)
        }
        if chores.contains(.commitOffsets) { commitDurableOffsets() }
        try resetFailedTasks()
        readiness.update(held: tasks.keys.sorted())
        if chores.contains(.publishMetrics) { publishMetrics(now: now) }
        if chores.contains(.checkCaughtUp), isCaughtUp() {
            logger.info("every assigned partition is caught up; stopping")
            machine.caughtUp(now: now)
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
                if try !checkpointAndWait(mine.compactMap { tasks[$0] }) {
                    logger.warning("stopping: partitions \(mine) let go without their last checkpoint; the next owner redoes their work since the one before")
                }
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
        readiness.withdraw("restoring partitions \(partitions)")
        // A former owner in this process may still have outputs of these partitions on their
        // way (a partition lost and given back): they land before the restore looks for
        // what is already written, or it would miss them and write them twice.
        guard try waitForWriter(writer.flush()) != nil else { return }
        metrics?.restoring(partitions: partitions.count)
        configuration.health?.progressed(at: .now, nextWithin: configuration.restoreAllowance)
        let restoreStartedAt = clock.now
        guard let restored = try restoreRetrying(partitions) else {
            // Stopping: the partitions stay paused and unowned here; the next owner restores them.
            logger.info("stopping: restore of partitions \(partitions) given up")
            return
        }
        let now = clock.now
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
        guard try checkpointAndWait(partitions.compactMap { tasks[$0] }) else { return }
        do {
            // Resumed first: librdkafka 2.0.2 reconsiders fetching a resumed partition only
            // when its broker thread next wakes (up to a second later), a seek at once.
            // Whatever a resumed partition fetches before its seek is discarded by the seek.
            try consumer.resume(topicPartitions)
            try consumer.seek(positions, timeoutMilliseconds: 10_000)
        } catch {
            throw PipelineError(error)
        }
        summary.partitionsAssigned += partitions.count
    }

    /// Restores `partitions`, retrying a retriable failure up to 10 times with a growing
    /// pause; nil when a stop was requested meanwhile.
    private func restoreRetrying(_ partitions: [Int32]) throws(PipelineError) -> [Int32: TaskRestorer.Restored]? {
        var attempt = 0
        while true {
            do {
                return try restorer.restore(partitions, wallClock: clock.milliseconds)
            } catch {
                if error.kind == .interrupted || stopRequested() { return nil }
                attempt += 1
                guard error.isRetriable, attempt < 10 else { throw error }
                logger.warning("restoring partitions \(partitions) failed (\(error)); retrying")
                guard waitUnlessStopping(seconds: min(5, 0.5 * Double(attempt))) else { return nil }
            }
        }
    }

    /// Waits `seconds`, looking at the stop request every 100 ms; false when a stop was requested.
    private func waitUnlessStopping(seconds: TimeInterval) -> Bool {
        let deadline = DispatchTime.now() + seconds
        while DispatchTime.now() < deadline {
            if stopRequested() { return false }
            reportProgress()
            Thread.sleep(forTimeInterval: 0.1)
        }
        return !stopRequested()
    }

    /// Seeks again for tasks that received messages from before their start (see
    /// ``PartitionTask/needsSeek``), at most every 100 ms.
    private func seekTasksBackToTheirStart(now: Date) {
        let positions = tasks.values.filter(\.needsSeek).map {
            TopicPartitionOffset(TopicPartition(input, $0.partition), offset: $0.startOffset)
        }
        guard !positions.isEmpty else { return }
        machine.soughtAgain(at: now)
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

    /// Hands the outputs of a task whose processor paused a release over to the writer, one
    /// chunk at a time, waiting between chunks while the writer's queue is above the
    /// backpressure mark (unless a stop was requested): what falls due at one instant for
    /// every user never sits in memory at once.
    private func handOverInChunks(_ task: PartitionTask) {
        repeat {
            let emptied = writer.write([(task.partition, task.takeOutputs(collectingNextIn: spareOutputBuffers.popLast() ?? []))])
            spareOutputBuffers += emptied.prefix(max(0, OutputWriter.emptiedBufferLimit - spareOutputBuffers.count))
            while writer.pendingRecords >= machine.highWater, writer.fatalError == nil, !stopRequested() {
                writer.waitForPending(atMost: machine.lowWater, timeout: 0.1)
                reportProgress()
            }
        } while task.resumeRelease()
    }

    /// Hands the checkpoints of `tasks` that have something new to the writer, after their
    /// outputs so far; nil when none has.
    private func requestCheckpoints(_ tasks: [PartitionTask]) -> OutputWriter.Ticket? {
        handOutputsOver()
        let now = clock.now
        let interval = pipeline.snapshotInterval.seconds
        // One snapshot per checkpoint, the longest-waiting task's: a snapshot serializes a
        // whole partition on the processing thread, and all of them at one checkpoint (they
        // fall due together under even traffic) held every event back for that long. The
        // others write their changes meanwhile and take their turn a checkpoint later.
        let snapshotter = tasks.filter { $0.snapshotDue(now: now, snapshotInterval: interval) }
            .min { ($0.lastSnapshotTime, $0.partition) < ($1.lastSnapshotTime, $1.partition) }
        let requests = tasks.compactMap {
            $0.checkpointRequest(now: now, snapshotInterval: interval, mayTakeSnapshot: $0 === snapshotter)
        }
        return requests.isEmpty ? nil : writer.checkpoint(requests)
    }

    /// Takes the result of the checkpoint in flight when the writer is done with it.
    private func settleCheckpoint() throws(PipelineError) {
        if let fatal = writer.fatalError { throw fatal }
        failedPartitions.formUnion(writer.takeFailedPartitions())
        guard let ticket = machine.checkpointInFlight?.ticket, let durable = writer.durableCheckpoints(ticket) else { return }
        if let seconds = machine.checkpointSettled(at: clock.now) { metrics?.checkpointCompleted(seconds: seconds) }
        apply(durable)
    }

    /// Writes checkpoints of `tasks` now and waits until they are durable: before a
    /// partition is let go, and for a new owner's first checkpoint. A cluster that does not
    /// acknowledge makes this wait (a partition must not change hands with its work undone)
    /// until a stop is requested; false then.
    private func checkpointAndWait(_ tasks: [PartitionTask]) throws(PipelineError) -> Bool {
        if let ticket = machine.checkpointInFlight?.ticket {
            guard let durable = try waitForWriter(ticket) else { return false }
            if let seconds = machine.checkpointSettled(at: clock.now) { metrics?.checkpointCompleted(seconds: seconds) }
            apply(durable)
        }
        let requestedAt = clock.now
        guard let ticket = requestCheckpoints(tasks) else { return true }
        guard let durable = try waitForWriter(ticket, waitingFor: tasks.map(\.partition).sorted()) else { return false }
        metrics?.checkpointCompleted(seconds: clock.now.timeIntervalSince(requestedAt))
        apply(durable)
        failedPartitions.formUnion(writer.takeFailedPartitions())
        return true
    }

    /// Waits for the writer to finish `ticket`, in slices of a second, as long as no stop
    /// is requested: its durable checkpoints, or nil when a stop was requested first.
    private func waitForWriter(
        _ ticket: OutputWriter.Ticket, waitingFor partitions: [Int32]? = nil
    ) throws(PipelineError) -> [Int32: Checkpoint]? {
        while true {
            if let durable = writer.wait(for: ticket, timeout: 1) { return durable }
            if let fatal = writer.fatalError { throw fatal }
            if stopRequested() { return nil }
            // Waiting for the cluster is not a stall: a restart would wait the same.
            reportProgress()
            if let partitions {
                logger.info("waiting for the cluster to acknowledge the checkpoint of partitions \(partitions)")
            }
        }
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
        guard try waitForWriter(writer.flush()) != nil else { return }
        if let ticket = machine.checkpointInFlight?.ticket, let durable = writer.durableCheckpoints(ticket) {
            apply(durable.filter { !failedPartitions.contains($0.key) })
            _ = machine.checkpointSettled(at: clock.now)
        }
        failedPartitions.formUnion(writer.takeFailedPartitions())
        let failed = failedPartitions.filter { tasks[$0] != nil }.sorted()
        failedPartitions.removeAll()
        for p in failed { retire(p) }
        summary.resets += failed.count
        try start(failed)
    }

    // MARK: - Time and flow control

    private func advanceIdlePartitions(now: Date) {
        let idle = pipeline.idleAdvance.seconds
        let instant = Int64(now.timeIntervalSince1970 * 1000) - pipeline.rules.allowedLateness.milliseconds
        for task in tasks.values where now.timeIntervalSince(task.lastInputAt) >= idle {
            task.advanceWatermark(to: instant)
            if task.hasPausedRelease { handOverInChunks(task) }
        }
    }

    private func isCaughtUp() -> Bool {
        guard !tasks.isEmpty else { return false }
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

    // MARK: - Health and metrics

    /// Tells the health reporter that the loop (or one of its waits) went round.
    private func reportProgress() {
        configuration.health?.progressed(at: .now, nextWithin: nil)
    }

    /// Publishes every task's figures and the process's totals, at most every
    /// `metricsInterval` unless `force`d (a task about to go publishes its last ones).
    private func publishMetrics(now: Date) {
        guard let metrics else { return }
        let wallClock = Int64(now.timeIntervalSince1970 * 1000)
        for task in tasks.values {
            publish(task, to: metrics, wallClock: wallClock)
        }
        let (_, alreadyWritten) = writer.outputCounts
        metrics.publish(ProcessMetricsSample(
            outputsByTopic: writer.outputCountsByTopic, outputsAlreadyWritten: alreadyWritten, checkpoints: summary.checkpoints,
            backpressurePauses: machine.backpressurePauses, resets: summary.resets, partitionsAssigned: tasks.count,
            outputQueue: writer.pendingRecords, clientErrors: clientErrors.counts))
    }

    private func publish(_ task: PartitionTask, to metrics: PipelineMetrics, wallClock: Int64) {
        // The fetcher's view of the end, as for catching up: no request to the broker.
        let high = consumer.cachedWatermarks(of: TopicPartition(input, task.partition))?.high
        metrics.publish(task.takeMetricsSample(highWatermark: high), wallClock: wallClock)
    }

    /// Drops a task, keeping what it did in the summary and its last figures in the metrics.
    private func retire(_ partition: Int32) {
        guard let task = tasks.removeValue(forKey: partition) else { return }
        summary.add(task.statistics)
        if let metrics {
            publish(task, to: metrics, wallClock: clock.milliseconds)
            metrics.removePartition(partition)
        }
    }

    // MARK: - Stopping

    /// Writes the last checkpoints, waiting for them until `deadline`, then leaves the
    /// group and stops the writer: what is not durable by then, the next owner redoes.
    private func shutDown(deadline: Date) throws(PipelineError) {
        logger.info("stopping: writing the last checkpoint of \(tasks.count) partitions")
        readiness.stopping()
        // The waits block on the real clock: the deadline becomes one on it.
        let waitDeadline = DispatchTime.now() + max(0, deadline.timeIntervalSince(clock.now))
        func remaining() -> TimeInterval {
            let now = DispatchTime.now()
            return now < waitDeadline ? Double(waitDeadline.uptimeNanoseconds - now.uptimeNanoseconds) / 1e9 : 0
        }
        if let ticket = machine.checkpointInFlight?.ticket, let durable = writer.wait(for: ticket, timeout: remaining()) {
            _ = machine.checkpointSettled(at: clock.now)
            apply(durable)
        }
        if machine.checkpointInFlight == nil, let ticket = requestCheckpoints(Array(tasks.values)) {
            if let durable = writer.wait(for: ticket, timeout: remaining()) {
                apply(durable)
            } else {
                // The next owner restores the last durable checkpoint and redoes the rest.
                logger.warning("the cluster did not acknowledge the last checkpoint in time; stopping without it")
            }
        }
        do {
            try consumer.close()
        } catch {
            logger.warning("leaving the group: \(error)")
        }
        // Past the deadline nothing waits for the cluster any more.
        if remaining() <= 0 { interruption.request() }
        writer.stop(timeout: remaining())
        summary.backpressurePauses = machine.backpressurePauses
        summary.clientErrors = clientErrors.counts
        (summary.outputsWritten, summary.outputsAlreadyWritten) = writer.outputCounts
        summary.outputsByTopic = writer.outputCountsByTopic
        // The HTTP server outlives the runner a moment: its last scrapes see the final figures.
        publishMetrics(now: clock.now)
        for (p, task) in tasks { summary.heldAtStop[p] = (task.processor.counters, task.processor.bufferedEvents) }
        for p in tasks.keys.sorted() { retire(p) }
    }
}

extension TimeSpan {
    var seconds: TimeInterval { Double(milliseconds) / 1000 }
}
