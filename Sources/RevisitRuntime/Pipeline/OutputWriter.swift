import Collections
import Foundation
import Logging
import RevisitCore
import RevisitKafka
import Synchronization

/// The thread of a `revisit run` process that writes to Kafka: it owns the producer, encodes
/// the tasks' output records, writes their state records and checkpoints, and follows the
/// delivery reports.
///
/// The processing thread hands work over in order (records, checkpoint requests, flushes)
/// and goes on processing while the work is written: encoding and the waits of a
/// checkpoint happen off its path. Work is sent strictly in the order given. A checkpoint's
/// state records go out at once (a restore ignores state records after the last checkpoint
/// record); its checkpoint record waits, without holding up the outputs after it, until the
/// delivery reports of every output before it arrived, which tell the end offsets it
/// records. The checkpoint is durable once its record is acknowledged.
final class OutputWriter: Sendable {
    /// A checkpoint of one task, to write after everything handed over before it.
    struct CheckpointRequest: Sendable {
        var partition: Int32
        /// The changed users or a snapshot's chunks, and the tombstones of retired chunks.
        var records: [StateRecord]
        var checkpoint: Checkpoint
        /// Whether the writer fills in the output end offsets it saw delivered; a new
        /// owner's first checkpoint keeps the ones it restored (it re-states them).
        var fillsOutputEnds: Bool
    }

    /// Identifies a checkpoint or flush handed over, to wait for it.
    typealias Ticket = UInt64

    private enum Work: Sendable {
        case records(partition: Int32, [OutputRecord])
        case startTask(partition: Int32, outputEnds: [String: Int64], written: WrittenOutputs)
        case checkpoint(Ticket, [CheckpointRequest])
        case flush(Ticket)
        case stop
    }

    private struct State: Sendable {
        var work = Deque<Work>()
        /// Output records handed over and not yet given to the producer.
        var pendingRecords = 0
        /// Output records given to the producer, and skipped as already written.
        var outputsWritten = 0
        var outputsAlreadyWritten = 0
        /// ``outputsWritten`` by output topic, in ``TopicNames/outputs`` order.
        var outputsWrittenPerTopic: [Int]
        var nextTicket: Ticket = 1
        /// Checkpoints made durable, by ticket and partition, until the processing thread takes them.
        var durable: [Ticket: [Int32: Checkpoint]] = [:]
        var finished: Set<Ticket> = []
        /// Partitions with an output or state record that could not be delivered.
        var failed: Set<Int32> = []
        var fatal: PipelineError?
        var stopped = false
        /// Buffers of written records, emptied with their capacity kept, until
        /// ``write(_:)`` hands them back.
        var emptiedBuffers: [[OutputRecord]] = []
    }

    /// How many emptied buffers wait for the processing thread at most. A poll fills one per
    /// task with outputs; reusing them saves allocating (and, in a fresh allocation of this
    /// size, the kernel zeroing) several hundred kilobytes per poll.
    static let emptiedBufferLimit = 32

    private let state: Mutex<State>
    private let workArrived = DispatchSemaphore(value: 0)
    private let progressed = DispatchSemaphore(value: 0)
    private let stateTopic: String
    private let encoder: OutputMessageEncoder
    private let logger: Logger

    /// Starts the writer thread with a producer of `configuration`.
    init(configuration: KafkaProducerConfiguration, topics: TopicNames, stateTopic: String, logger: Logger) {
        self.stateTopic = stateTopic
        self.encoder = OutputMessageEncoder(topics: topics)
        self.logger = logger
        self.state = Mutex(State(outputsWrittenPerTopic: Array(repeating: 0, count: topics.outputs.count)))
        let thread = Thread { [self] in self.run(configuration) }
        thread.name = "revisit-writer"
        thread.start()
    }

    // MARK: - Handing work over (processing thread)

    /// Output records of tasks, each task's in emission order: handed over together, so
    /// that the writer wakes once for them.
    ///
    /// - Returns: buffers of records handed over earlier, emptied once written, for the
    ///   processing thread to collect outputs in again (see ``emptiedBufferLimit``).
    func write(_ outputs: consuming [(partition: Int32, records: [OutputRecord])]) -> [[OutputRecord]] {
        guard !outputs.isEmpty else { return [] }
        var emptied: [[OutputRecord]] = []
        state.withLock { state in
            for index in outputs.indices where !outputs[index].records.isEmpty {
                // Moved out, not copied: once written, the writer holds the buffer's only
                // reference and can empty it in place for reuse.
                var records: [OutputRecord] = []
                swap(&records, &outputs[index].records)
                state.pendingRecords += records.count
                state.work.append(.records(partition: outputs[index].partition, records))
            }
            swap(&emptied, &state.emptiedBuffers)
        }
        workArrived.signal()
        return emptied
    }

    /// A task took its partition: outputs it writes start at these end offsets, and those
    /// among `written` (found after its checkpoint) are not written again.
    func startTask(partition: Int32, outputEnds: [String: Int64], written: WrittenOutputs) {
        enqueue(.startTask(partition: partition, outputEnds: outputEnds, written: written))
    }

    /// Hands checkpoints over; ``durableCheckpoints(_:)`` tells when they are durable.
    func checkpoint(_ requests: [CheckpointRequest]) -> Ticket {
        ticket { .checkpoint($0, requests) }
    }

    /// Asks for every record handed over so far to be acknowledged or failed.
    func flush() -> Ticket {
        ticket { .flush($0) }
    }

    /// The checkpoints of `ticket` that became durable, by partition, once it is done (nil
    /// before). A partition missing from a finished ticket had a delivery fail.
    func durableCheckpoints(_ ticket: Ticket) -> [Int32: Checkpoint]? {
        state.withLock { state in
            guard state.finished.remove(ticket) != nil else { return nil }
            return state.durable.removeValue(forKey: ticket) ?? [:]
        }
    }

    /// Waits up to `timeout` seconds for `ticket`: its durable checkpoints, or nil when it
    /// is not done by then (or the writer stopped on a fatal error).
    func wait(for ticket: Ticket, timeout: TimeInterval) -> [Int32: Checkpoint]? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let done = durableCheckpoints(ticket) { return done }
            guard fatalError == nil, Date() < deadline else { return nil }
            _ = progressed.wait(timeout: .now() + 0.05)
        }
    }

    /// Output records handed over that the producer has not taken yet.
    var pendingRecords: Int { state.withLock { $0.pendingRecords } }

    /// Output records written so far, and those skipped because a former owner had written them.
    var outputCounts: (written: Int, alreadyWritten: Int) {
        state.withLock { ($0.outputsWritten, $0.outputsAlreadyWritten) }
    }

    /// Output records written so far, by output topic.
    var outputCountsByTopic: [String: Int] {
        let counts = state.withLock { $0.outputsWrittenPerTopic }
        return Dictionary(zip(encoder.topics.outputs, counts)) { first, _ in first }
    }

    /// Waits until at most `limit` records are pending (backpressure), or `timeout` passes.
    func waitForPending(atMost limit: Int, timeout: TimeInterval) {
        let deadline = Date().addingTimeInterval(timeout)
        while pendingRecords > limit, Date() < deadline, fatalError == nil {
            _ = progressed.wait(timeout: .now() + 0.02)
        }
    }

    /// Partitions whose records could not be delivered since the last call.
    func takeFailedPartitions() -> Set<Int32> {
        state.withLock { state in
            defer { state.failed.removeAll() }
            return state.failed
        }
    }

    /// An error that stopped the writer (the producer could not be created, a topic name
    /// it refused); the pipeline cannot go on.
    var fatalError: PipelineError? { state.withLock { $0.fatal } }

    /// Writes what was handed over, waits up to `timeout` seconds for it to be
    /// acknowledged, and ends the thread.
    func stop(timeout: TimeInterval) {
        enqueue(.stop)
        let deadline = Date().addingTimeInterval(timeout)
        while !state.withLock({ $0.stopped }), Date() < deadline {
            _ = progressed.wait(timeout: .now() + 0.05)
        }
    }

    private func enqueue(_ work: Work) {
        state.withLock { $0.work.append(work) }
        workArrived.signal()
    }

    private func ticket(_ make: (Ticket) -> Work) -> Ticket {
        let ticket = state.withLock { state in
            let ticket = state.nextTicket
            state.nextTicket += 1
            state.work.append(make(ticket))
            return ticket
        }
        workArrived.signal()
        return ticket
    }

    // MARK: - The writer thread

    /// Where the writes of one task stand, per slot: the output topics in
    /// ``TopicNames/outputs`` order, then the state topic. Delivery reports of one partition
    /// arrive in the order its messages were sent (the producer is idempotent), so counting
    /// them tells which report is the last one before a checkpoint.
    private final class TaskWrites {
        /// Messages with a smaller id were sent for an earlier owner of the partition in this
        /// process; their reports are ignored.
        var firstMessageID: UInt64
        var sent: [Int]
        var reported: [Int]
        /// Per output slot, the offset after the last message reported; -1 while unknown.
        var ends: [Int64]
        /// Outputs found already written after the task's checkpoint, not to write again.
        var written: WrittenOutputs
        /// A message of the task was not delivered: none of its checkpoints becomes durable.
        var failed = false
        /// Checkpoints handed over and not yet durable, oldest first.
        var checkpoints = Deque<PendingCheckpoint>()

        init(firstMessageID: UInt64, slots: Int, ends: [Int64], written: WrittenOutputs) {
            self.firstMessageID = firstMessageID
            self.sent = Array(repeating: 0, count: slots)
            self.reported = Array(repeating: 0, count: slots)
            self.ends = ends
            self.written = written
        }
    }

    private struct PendingCheckpoint {
        var ticket: Ticket
        var checkpoint: Checkpoint
        var fillsOutputEnds: Bool
        /// Per output slot, how many messages were sent before the checkpoint.
        var outputTargets: [Int]
        /// Per output slot, the end offset once the report of the last message before the
        /// checkpoint arrived.
        var capturedEnds: [Int64?]
        /// Once the checkpoint record is sent: the state-topic count that includes it.
        var recordTarget: Int?
    }

    /// What the writer thread keeps: the producer and where every task's writes stand.
    private final class WriterThreadState {
        let producer: KafkaProducer
        let slotTopics: [String]
        var tasks: [Int32: TaskWrites] = [:]
        var reports: [DeliveryReport] = []
        /// Partitions of each checkpoint ticket not yet durable or failed.
        var ticketsOpen: [Ticket: Int] = [:]

        init(producer: KafkaProducer, outputTopics: [String], stateTopic: String) {
            self.producer = producer
            self.slotTopics = outputTopics + [stateTopic]
        }

        var stateSlot: Int { slotTopics.count - 1 }

        func newTask(outputEnds: [String: Int64], written: WrittenOutputs = WrittenOutputs()) -> TaskWrites {
            TaskWrites(
                firstMessageID: producer.upcomingMessageID, slots: slotTopics.count,
                ends: slotTopics.dropLast().map { outputEnds[$0] ?? -1 }, written: written)
        }

        /// The writes of the task of `partition`, created when it has none yet.
        func task(_ partition: Int32) -> TaskWrites {
            if let task = tasks[partition] { return task }
            let task = newTask(outputEnds: [:])
            tasks[partition] = task
            return task
        }

        func slot(of topic: String) -> Int? { slotTopics.firstIndex(of: topic) }

        var hasPendingCheckpoints: Bool { tasks.values.contains { !$0.checkpoints.isEmpty } }
    }

    private func run(_ configuration: KafkaProducerConfiguration) {
        let writer: WriterThreadState
        do {
            writer = WriterThreadState(
                producer: try KafkaProducer(configuration: configuration, logger: logger),
                outputTopics: encoder.topics.outputs, stateTopic: stateTopic)
        } catch {
            finish(fatal: PipelineError(error))
            return
        }
        var buffer = JSONBuffer()
        var batch = Deque<Work>()
        while true {
            state.withLock { state in swap(&batch, &state.work) }
            if batch.isEmpty {
                // With checkpoints waiting for acknowledgements, wait in the producer for them.
                let waiting = writer.hasPendingCheckpoints
                writer.producer.poll(timeoutMilliseconds: waiting ? 5 : 0, into: &writer.reports)
                guard advance(writer) else { return }
                if !waiting { _ = workArrived.wait(timeout: .now() + 0.01) }
                continue
            }
            // Popped, the work is the only owner of its records: their buffer can be reused.
            while let work = batch.popFirst() {
                switch consume work {
                case .records(let partition, var records):
                    // Locals in the loop: inout access to a class's properties is checked at run time.
                    let task = writer.task(partition)
                    let producer = writer.producer
                    var written = WrittenOutputs()
                    swap(&written, &task.written)
                    var reports: [DeliveryReport] = []
                    var sent = [Int](repeating: 0, count: writer.stateSlot)
                    var skipped = 0
                    do {
                        // Through a buffer pointer the records are borrowed, not copied with
                        // every string they hold.
                        try records.withUnsafeBufferPointer { records throws(KafkaError) in
                            for index in records.indices {
                                if let slot = try encoder.send(
                                    records[index], partition: partition, through: producer, buffer: &buffer,
                                    skipping: &written, reports: &reports) {
                                    sent[slot] += 1
                                } else {
                                    skipped += 1
                                }
                            }
                        }
                    } catch {
                        finish(fatal: PipelineError(error))
                        return
                    }
                    swap(&written, &task.written)
                    writer.reports += reports
                    for (slot, count) in sent.enumerated() { task.sent[slot] += count }
                    let count = records.count
                    records.removeAll(keepingCapacity: true)
                    state.withLock { state in
                        state.pendingRecords -= count
                        state.outputsWritten += count - skipped
                        state.outputsAlreadyWritten += skipped
                        for (slot, count) in sent.enumerated() where count > 0 { state.outputsWrittenPerTopic[slot] += count }
                        if state.emptiedBuffers.count < Self.emptiedBufferLimit {
                            state.emptiedBuffers.append(records)
                        }
                    }
                case .startTask(let partition, let outputEnds, let written):
                    if let former = writer.tasks[partition] {
                        for pending in former.checkpoints { resolve(pending, partition: partition, durable: false, writer) }
                    }
                    writer.tasks[partition] = writer.newTask(outputEnds: outputEnds, written: written)
                case .checkpoint(let ticket, let requests):
                    writer.ticketsOpen[ticket] = requests.count
                    if requests.isEmpty { markFinished(ticket) }
                    for request in requests {
                        guard enqueue(request, ticket: ticket, writer) else { return }
                    }
                    guard advance(writer) else { return }
                case .flush(let ticket):
                    guard flush(writer) else { return }
                    markFinished(ticket)
                case .stop:
                    _ = flush(writer)
                    state.withLock { $0.stopped = true }
                    progressed.signal()
                    return
                }
                progressed.signal()
            }
            // Delivery reports once per batch of work, not per task's records.
            writer.producer.poll(timeoutMilliseconds: 0, into: &writer.reports)
            guard advance(writer) else { return }
        }
    }

    /// Sends a checkpoint's state records and queues the checkpoint until the outputs before
    /// it are acknowledged; false when the writer had to stop.
    private func enqueue(_ request: CheckpointRequest, ticket: Ticket, _ writer: WriterThreadState) -> Bool {
        let p = request.partition
        let task = writer.task(p)
        var pending = PendingCheckpoint(
            ticket: ticket, checkpoint: request.checkpoint, fillsOutputEnds: request.fillsOutputEnds,
            outputTargets: Array(task.sent.dropLast()), capturedEnds: [], recordTarget: nil)
        // Outputs already acknowledged have their end now; the others when their reports come.
        pending.capturedEnds = pending.outputTargets.indices.map {
            task.reported[$0] >= pending.outputTargets[$0] ? task.ends[$0] : nil
        }
        guard !task.failed else {
            resolve(pending, partition: p, durable: false, writer)
            return true
        }
        for record in request.records {
            guard send(record.message(topic: stateTopic, partition: p), writer) else { return false }
        }
        task.sent[writer.stateSlot] += request.records.count
        task.checkpoints.append(pending)
        return true
    }

    /// Takes the delivery reports in, writes the checkpoint records whose outputs are all
    /// acknowledged, and hands over the checkpoints whose record is; false when the writer
    /// had to stop.
    private func advance(_ writer: WriterThreadState) -> Bool {
        takeReports(writer)
        for p in writer.tasks.keys {
            guard let task = writer.tasks[p], !task.checkpoints.isEmpty else { continue }
            for index in task.checkpoints.indices where !task.failed && task.checkpoints[index].recordTarget == nil {
                let pending = task.checkpoints[index]
                guard !pending.capturedEnds.contains(where: { $0 == nil }) else { break }
                var checkpoint = pending.checkpoint
                if pending.fillsOutputEnds {
                    checkpoint.outputEnds = [:]
                    for (slot, end) in pending.capturedEnds.enumerated() where end! >= 0 {
                        checkpoint.outputEnds[writer.slotTopics[slot]] = end!
                    }
                }
                guard send(StateRecord.checkpoint(checkpoint).message(topic: stateTopic, partition: p), writer) else {
                    return false
                }
                task.sent[writer.stateSlot] += 1
                task.checkpoints[index].checkpoint = checkpoint
                task.checkpoints[index].recordTarget = task.sent[writer.stateSlot]
            }
            while let first = task.checkpoints.first, task.failed
                || first.recordTarget.map({ task.reported[writer.stateSlot] >= $0 }) == true {
                task.checkpoints.removeFirst()
                resolve(first, partition: p, durable: !task.failed, writer)
            }
        }
        return true
    }

    /// Counts the reports per task and slot, capturing the end offsets checkpoints wait for.
    private func takeReports(_ writer: WriterThreadState) {
        guard !writer.reports.isEmpty else { return }
        var failed: Set<Int32> = []
        // Reports come in runs of one partition and topic (a batch's messages): task, slot
        // and the checkpoints waiting on them are looked up once per run.
        writer.reports.withUnsafeBufferPointer { reports in
            var start = 0
            while start < reports.count {
                let first = reports[start].topicPartition
                var end = start + 1
                while end < reports.count, reports[end].topicPartition.partition == first.partition,
                      reports[end].topicPartition.topic == first.topic {
                    end += 1
                }
                if let task = writer.tasks[first.partition], let slot = writer.slot(of: first.topic) {
                    count(UnsafeBufferPointer(rebasing: reports[start..<end]), of: task, slot: slot,
                          capturesEnds: slot < writer.stateSlot, failed: &failed)
                }
                start = end
            }
        }
        writer.reports.removeAll(keepingCapacity: true)
        if !failed.isEmpty { state.withLock { $0.failed.formUnion(failed) } }
    }

    /// Counts one run of reports of `task`'s `slot`; with `capturesEnds` (an output slot),
    /// keeps the end offset and gives it to the checkpoints whose last message before them
    /// is in the run.
    private func count(
        _ run: UnsafeBufferPointer<DeliveryReport>, of task: TaskWrites, slot: Int, capturesEnds: Bool,
        failed: inout Set<Int32>
    ) {
        var reported = task.reported[slot]
        // Only output slots have an end offset.
        var end = capturesEnds ? task.ends[slot] : -1
        // Checkpoints are queued in sending order, so their targets never decrease.
        var waiting: [(index: Int, target: Int)] = []
        if capturesEnds {
            for index in task.checkpoints.indices {
                let target = task.checkpoints[index].outputTargets[slot]
                if target > reported, target <= reported + run.count { waiting.append((index, target)) }
            }
        }
        var next = 0
        for report in run where report.messageID >= task.firstMessageID {
            reported += 1
            if !report.isDelivered {
                let p = report.topicPartition.partition
                logger.error("delivery to \(report.topicPartition) failed: \(report.error!); partition \(p) restarts from its last checkpoint")
                task.failed = true
                failed.insert(p)
            } else if capturesEnds {
                end = report.offset + 1
                // A target passed by a failed report stays unset: its task failed anyway.
                while next < waiting.count, waiting[next].target <= reported {
                    if waiting[next].target == reported { task.checkpoints[waiting[next].index].capturedEnds[slot] = end }
                    next += 1
                }
            }
        }
        task.reported[slot] = reported
        if capturesEnds { task.ends[slot] = end }
    }

    /// A checkpoint became durable, or cannot (its task failed or was replaced).
    private func resolve(_ pending: PendingCheckpoint, partition: Int32, durable: Bool, _ writer: WriterThreadState) {
        let ticket = pending.ticket
        guard let open = writer.ticketsOpen[ticket] else { return }
        if durable { state.withLock { $0.durable[ticket, default: [:]][partition] = pending.checkpoint } }
        if open <= 1 {
            writer.ticketsOpen[ticket] = nil
            markFinished(ticket)
        } else {
            writer.ticketsOpen[ticket] = open - 1
        }
    }

    private func markFinished(_ ticket: Ticket) {
        _ = state.withLock { $0.finished.insert(ticket) }
        progressed.signal()
    }

    private func send(_ message: OutgoingMessage, _ writer: WriterThreadState) -> Bool {
        do {
            try writer.producer.send(message, waitingForRoom: &writer.reports)
            return true
        } catch {
            finish(fatal: PipelineError(error))
            return false
        }
    }

    /// Waits until everything given to the producer is acknowledged or failed, checkpoints
    /// included; the cluster may be away for a while, so this waits as long as it takes.
    private func flush(_ writer: WriterThreadState) -> Bool {
        while true {
            do {
                writer.reports += try writer.producer.flush(timeoutMilliseconds: 1_000)
            } catch {
                writer.producer.poll(timeoutMilliseconds: 0, into: &writer.reports)
                logger.warning("the cluster did not acknowledge every message yet (\(error)); waiting")
            }
            guard advance(writer) else { return false }
            if writer.producer.queuedMessageCount == 0, !writer.hasPendingCheckpoints { return true }
        }
    }

    private func finish(fatal: PipelineError) {
        state.withLock { state in
            state.fatal = fatal
            state.stopped = true
        }
        progressed.signal()
    }
}
