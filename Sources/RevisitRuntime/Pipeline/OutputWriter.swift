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
/// checkpoint happen off its path. Work is done strictly in the order given, so a
/// checkpoint is written after every output handed over before it, and records the end
/// offsets those outputs reached. A checkpoint is durable once the writer has seen every
/// output before it and then its own records acknowledged.
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
        case startTask(partition: Int32, outputEnds: [String: Int64])
        case checkpoint(Ticket, [CheckpointRequest])
        case flush(Ticket)
        case stop
    }

    private struct State: Sendable {
        var work = Deque<Work>()
        /// Output records handed over and not yet given to the producer.
        var pendingRecords = 0
        var nextTicket: Ticket = 1
        /// Checkpoints made durable, by ticket and partition, until the processing thread takes them.
        var durable: [Ticket: [Int32: Checkpoint]] = [:]
        var finished: Set<Ticket> = []
        /// Partitions with an output or state record that could not be delivered.
        var failed: Set<Int32> = []
        var fatal: PipelineError?
        var stopped = false
    }

    private let state = Mutex(State())
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
        let thread = Thread { [self] in self.run(configuration) }
        thread.name = "revisit-writer"
        thread.start()
    }

    // MARK: - Handing work over (processing thread)

    /// Output records of a task, in emission order.
    func write(_ records: [OutputRecord], partition: Int32) {
        guard !records.isEmpty else { return }
        enqueue(.records(partition: partition, records)) { $0.pendingRecords += records.count }
    }

    /// A task took its partition: outputs it writes start at these end offsets.
    func startTask(partition: Int32, outputEnds: [String: Int64]) {
        enqueue(.startTask(partition: partition, outputEnds: outputEnds))
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

    private func enqueue(_ work: Work, _ update: (inout State) -> Void = { _ in }) {
        state.withLock { state in
            update(&state)
            state.work.append(work)
        }
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

    private func run(_ configuration: KafkaProducerConfiguration) {
        let producer: KafkaProducer
        do {
            producer = try KafkaProducer(configuration: configuration, logger: logger)
        } catch {
            finish(fatal: PipelineError(error))
            return
        }
        var ends: [Int32: [String: Int64]] = [:]
        var reports: [DeliveryReport] = []
        func take(_ more: [DeliveryReport]) {
            reports += more
            var failed: Set<Int32> = []
            for report in reports {
                let p = report.topicPartition.partition
                if !report.isDelivered {
                    logger.error("delivery to \(report.topicPartition) failed: \(report.error!); partition \(p) restarts from its last checkpoint")
                    failed.insert(p)
                } else if report.topicPartition.topic != stateTopic, report.offset >= 0, ends[p] != nil {
                    let topic = report.topicPartition.topic
                    ends[p]![topic] = max(ends[p]![topic] ?? 0, report.offset + 1)
                }
            }
            reports.removeAll(keepingCapacity: true)
            if !failed.isEmpty { state.withLock { $0.failed.formUnion(failed) } }
        }
        /// Waits until everything given to the producer is acknowledged or failed; the
        /// cluster may be away for a while, so this waits as long as it takes.
        func flush() {
            while true {
                do {
                    take(try producer.flush(timeoutMilliseconds: 1_000))
                    return
                } catch {
                    take(producer.poll())
                    logger.warning("the cluster did not acknowledge every message yet (\(error)); waiting")
                }
            }
        }
        func send(_ message: OutgoingMessage) -> Bool {
            do {
                try producer.send(message, waitingForRoom: &reports)
                return true
            } catch {
                finish(fatal: PipelineError(error))
                return false
            }
        }

        while true {
            let batch: [Work] = state.withLock { state in
                defer { state.work.removeAll(keepingCapacity: true) }
                return Array(state.work)
            }
            if batch.isEmpty {
                take(producer.poll())
                _ = workArrived.wait(timeout: .now() + 0.01)
                continue
            }
            for work in batch {
                switch work {
                case .records(let partition, let records):
                    for record in records {
                        guard send(encoder.message(for: record, partition: partition)) else { return }
                    }
                    state.withLock { $0.pendingRecords -= records.count }
                    take(producer.poll())
                case .startTask(let partition, let outputEnds):
                    ends[partition] = outputEnds
                case .checkpoint(let ticket, let requests):
                    // Every output before the checkpoint acknowledged: `ends` is where they end.
                    flush()
                    let failedBefore = state.withLock { $0.failed }
                    var written: [Int32: Checkpoint] = [:]
                    for request in requests where !failedBefore.contains(request.partition) {
                        var checkpoint = request.checkpoint
                        if request.fillsOutputEnds { checkpoint.outputEnds = ends[request.partition] ?? [:] }
                        for record in request.records + [.checkpoint(checkpoint)] {
                            guard send(record.message(topic: stateTopic, partition: request.partition)) else { return }
                        }
                        written[request.partition] = checkpoint
                    }
                    flush()
                    let failed = state.withLock { $0.failed }
                    let durable = written.filter { !failed.contains($0.key) }
                    state.withLock { state in
                        state.durable[ticket] = durable
                        state.finished.insert(ticket)
                    }
                case .flush(let ticket):
                    flush()
                    _ = state.withLock { $0.finished.insert(ticket) }
                case .stop:
                    flush()
                    state.withLock { $0.stopped = true }
                    progressed.signal()
                    return
                }
                progressed.signal()
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
