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
        /// ``outputsWritten`` by output topic, indexed by ``TopicRole/ordinal``.
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
    private let errors: ClientErrorLog
    private let logger: Logger
    /// Set when a stop's deadline passed: the waits for the cluster give up.
    private let interruption = WaitInterruption()

    /// Starts the writer thread, which creates its producer with `makeProducer` (a producer
    /// belongs to the thread that uses it). Its client errors go to `errors`.
    init(
        makeProducer: @escaping @Sendable (WaitInterruption) throws(KafkaError) -> any OutputProducer,
        topics: TopicNames, stateTopic: String, errors: ClientErrorLog, logger: Logger
    ) {
        self.stateTopic = stateTopic
        self.encoder = OutputMessageEncoder(topics: topics)
        self.errors = errors
        self.logger = logger
        self.state = Mutex(State(outputsWrittenPerTopic: Array(repeating: 0, count: topics.outputs.count)))
        let thread = Thread { [self] in self.run(makeProducer) }
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
        let deadline = DispatchTime.now() + timeout
        while true {
            if let done = durableCheckpoints(ticket) { return done }
            guard fatalError == nil, DispatchTime.now() < deadline else { return nil }
            _ = progressed.wait(timeout: min(deadline, .now() + 0.05))
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
        let deadline = DispatchTime.now() + timeout
        while pendingRecords > limit, DispatchTime.now() < deadline, fatalError == nil {
            _ = progressed.wait(timeout: min(deadline, .now() + 0.02))
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
    /// acknowledged, and ends the thread; after `timeout`, the writer gives up what is left
    /// (a send waiting for queue room included) and ends within a second.
    func stop(timeout: TimeInterval) {
        enqueue(.stop)
        if !waitUntilStopped(timeout: timeout) {
            interruption.request()
            _ = waitUntilStopped(timeout: 1)
        }
    }

    /// Gives up waiting for the cluster from now on: what is still unacknowledged stays so.
    /// A stop whose deadline passed calls it before its last waits.
    func interruptWaits() { interruption.request() }

    private func waitUntilStopped(timeout: TimeInterval) -> Bool {
        let deadline = DispatchTime.now() + timeout
        while !state.withLock({ $0.stopped }) {
            guard DispatchTime.now() < deadline else { return false }
            _ = progressed.wait(timeout: min(deadline, .now() + 0.05))
        }
        return true
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

    /// What the writer thread keeps: the producer, the decisions about every task's writes,
    /// and the delivery reports not yet taken in.
    private final class WriterThreadState {
        let producer: any OutputProducer
        var machine: StateMachine
        var reports: [DeliveryReport] = []

        init(producer: any OutputProducer, machine: StateMachine) {
            self.producer = producer
            self.machine = machine
        }
    }

    private func run(_ makeProducer: @Sendable (WaitInterruption) throws(KafkaError) -> any OutputProducer) {
        let writer: WriterThreadState
        do {
            writer = WriterThreadState(
                producer: try makeProducer(interruption),
                machine: StateMachine(outputTopics: encoder.topics.outputs, stateTopic: stateTopic))
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
                let waiting = writer.machine.hasPendingCheckpoints
                writer.producer.poll(timeoutMilliseconds: waiting ? 5 : 0, into: &writer.reports)
                guard takeReports(writer), checkClient(writer) else { return }
                if !waiting { _ = workArrived.wait(timeout: .now() + 0.01) }
                continue
            }
            // Popped, the work is the only owner of its records: their buffer can be reused.
            while let work = batch.popFirst() {
                switch consume work {
                case .records(let partition, var records):
                    guard send(&records, of: partition, writer, buffer: &buffer) else { return }
                case .startTask(let partition, let outputEnds, let written):
                    let actions = writer.machine.taskStarted(
                        partition: partition, firstMessageID: writer.producer.upcomingMessageID, outputEnds: outputEnds,
                        written: written)
                    guard perform(actions, writer) else { return }
                case .checkpoint(let ticket, let requests):
                    let actions = writer.machine.checkpointsRequested(
                        requests, ticket: ticket, firstMessageID: writer.producer.upcomingMessageID)
                    guard perform(actions, writer) else { return }
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
            guard takeReports(writer), checkClient(writer) else { return }
        }
    }

    /// Encodes and queues one task's records; false when the writer had to stop.
    private func send(
        _ records: inout [OutputRecord], of partition: Int32, _ writer: WriterThreadState, buffer: inout JSONBuffer
    ) -> Bool {
        // Locals: inout access to a class's properties is checked at run time.
        let producer = writer.producer
        let firstMessageID = producer.upcomingMessageID
        var written = WrittenOutputs()
        writer.machine.swapWritten(of: partition, with: &written, firstMessageID: firstMessageID)
        var reports: [DeliveryReport] = []
        var sent = [Int](repeating: 0, count: TopicRole.outputs.count)
        var skipped = 0
        do {
            // Through a buffer pointer the records are borrowed, not copied with every
            // string they hold.
            try records.withUnsafeBufferPointer { records throws(KafkaError) in
                for index in records.indices {
                    if let role = try encoder.send(
                        records[index], partition: partition, through: producer, buffer: &buffer,
                        skipping: &written, reports: &reports) {
                        sent[role.ordinal] += 1
                    } else {
                        skipped += 1
                    }
                }
            }
        } catch {
            finish(fatal: failure(error, writer))
            return false
        }
        writer.machine.swapWritten(of: partition, with: &written, firstMessageID: firstMessageID)
        writer.machine.outputsSent(partition: partition, counts: sent, firstMessageID: firstMessageID)
        writer.reports += reports
        let count = records.count
        records.removeAll(keepingCapacity: true)
        state.withLock { state in
            state.pendingRecords -= count
            state.outputsWritten += count - skipped
            state.outputsAlreadyWritten += skipped
            for (ordinal, count) in sent.enumerated() where count > 0 { state.outputsWrittenPerTopic[ordinal] += count }
            if state.emptiedBuffers.count < Self.emptiedBufferLimit {
                state.emptiedBuffers.append(records)
            }
        }
        return true
    }

    /// Hands the reports to the state machine and does what it answers; false when the
    /// writer had to stop.
    private func takeReports(_ writer: WriterThreadState) -> Bool {
        let reports = writer.reports
        writer.reports.removeAll(keepingCapacity: true)
        return perform(writer.machine.reportsArrived(reports), writer)
    }

    /// Does what the state machine asked for, in order; false when the writer had to stop.
    private func perform(_ actions: [StateMachine.Action], _ writer: WriterThreadState) -> Bool {
        for action in actions {
            switch action {
            case .sendStateRecords(let partition, let records):
                for record in records {
                    guard send(record.message(topic: stateTopic, partition: partition), writer) else { return false }
                }
            case .sendCheckpoint(let partition, let checkpoint):
                guard send(StateRecord.checkpoint(checkpoint).message(topic: stateTopic, partition: partition), writer) else {
                    return false
                }
            case .durable(let ticket, let partition, let checkpoint):
                state.withLock { $0.durable[ticket, default: [:]][partition] = checkpoint }
            case .finished(let ticket):
                markFinished(ticket)
            case .deliveryFailed(let partition, let report):
                logger.error("delivery to \(report.topicPartition) failed: \(report.error!); partition \(partition) restarts from its last checkpoint")
                _ = state.withLock { $0.failed.insert(partition) }
            }
        }
        return true
    }

    /// Notes the producer's client errors, and stops the writer on a fatal one; false then.
    private func checkClient(_ writer: WriterThreadState) -> Bool {
        for error in writer.producer.takeErrors() where !error.isFatal {
            errors.note(error, client: .producer)
        }
        if let fatal = writer.producer.fatalClientError() {
            finish(fatal: Self.unusable(fatal))
            return false
        }
        return true
    }

    /// What stops the writer when a send failed: the producer's fatal error when it has one
    /// (a send can be the first to see it), otherwise the send's own error.
    private func failure(_ error: KafkaError, _ writer: WriterThreadState) -> PipelineError {
        if let fatal = writer.producer.fatalClientError() ?? (error.isFatal ? error : nil) { return Self.unusable(fatal) }
        return PipelineError(error)
    }

    private static func unusable(_ fatal: KafkaError) -> PipelineError {
        PipelineError(
            .kafka, "the producer cannot go on: \(fatal); the process stops for its supervisor to restart it",
            isRetriable: false)
    }

    private func markFinished(_ ticket: Ticket) {
        _ = state.withLock { $0.finished.insert(ticket) }
        progressed.signal()
    }

    private func send(_ message: OutgoingMessage, _ writer: WriterThreadState) -> Bool {
        do {
            try writer.producer.send(message, reports: &writer.reports)
            return true
        } catch {
            finish(fatal: failure(error, writer))
            return false
        }
    }

    /// Waits until everything given to the producer is acknowledged or failed, checkpoints
    /// included; the cluster may be away for a while, so this waits until it answers or a
    /// stop gives up waiting (false then, as when the writer had to stop).
    private func flush(_ writer: WriterThreadState) -> Bool {
        while true {
            do {
                writer.reports += try writer.producer.flush(timeoutMilliseconds: 200)
            } catch {
                writer.producer.poll(timeoutMilliseconds: 0, into: &writer.reports)
            }
            guard takeReports(writer), checkClient(writer) else { return false }
            if writer.producer.queuedMessageCount == 0, !writer.machine.hasPendingCheckpoints { return true }
            if interruption.isRequested {
                logger.warning("stopping with \(writer.producer.queuedMessageCount) messages not acknowledged by the cluster; the next owner redoes their work")
                return false
            }
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
