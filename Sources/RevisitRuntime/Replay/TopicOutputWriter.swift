import RevisitCore
import RevisitKafka

/// Writes a replay's output records to Kafka topics: the record of input partition `p` to
/// partition `p` of its topic (SPEC 8: task `p` is the only writer of partition `p`), in
/// emission order, through one idempotent producer so that retries neither reorder nor
/// duplicate.
///
/// A concurrent topic replay has one writer per reading thread: a partition's records all
/// go through its reader's writer, and the final records through another one once every
/// earlier record is delivered, so each output partition keeps emission order.
///
/// Not `Sendable`: the thread that owns the producer makes every call.
final class TopicOutputWriter {
    private let producer: KafkaOutputProducer
    private let encoder: OutputMessageEncoder
    private var reports: [DeliveryReport] = []
    private var buffer = JSONBuffer()
    /// A replay writes to fresh topics: nothing there to skip.
    private var nothingWritten = WrittenOutputs()
    /// Records queued so far, by output.
    private(set) var counts = Counts()

    /// Records written, by output: profiles (with tombstones), sessions, alerts, dead
    /// letters, daily aggregates.
    struct Counts: Sendable {
        var profiles = 0
        var sessions = 0
        var alerts = 0
        var deadLetters = 0
        var metrics = 0

        static func + (a: Counts, b: Counts) -> Counts {
            Counts(profiles: a.profiles + b.profiles, sessions: a.sessions + b.sessions, alerts: a.alerts + b.alerts,
                   deadLetters: a.deadLetters + b.deadLetters, metrics: a.metrics + b.metrics)
        }
    }

    /// A writer with a producer of its own; `writers` of them write at once and share the
    /// queue room of one, so that memory in flight does not grow with their number.
    init(kafka: KafkaConfiguration, topics: TopicNames, writers: Int = 1) throws(ReplayError) {
        var configuration = KafkaProducerConfiguration(kafka: kafka)
        configuration.maxQueuedMessages = max(10_000, configuration.maxQueuedMessages / max(1, writers))
        // A backfill waits for no one: longer batches took a sixth less CPU time per replay on
        // the 2-core benchmark machine (fewer wakeups of librdkafka's threads, fewer requests).
        configuration.lingerMilliseconds = 20
        do {
            producer = KafkaOutputProducer(try KafkaProducer(configuration: configuration), interruption: WaitInterruption())
        } catch {
            throw .kafka(error)
        }
        encoder = OutputMessageEncoder(topics: topics)
    }

    /// Queues what `processor` emitted for `partition`, waiting for queue room when the
    /// producer is full (backpressure: reading pauses while the cluster catches up).
    func write(from processor: inout PartitionProcessor, partition: Int32) throws(ReplayError) {
        try processor.takingChunks { (processor) throws(ReplayError) in try send(from: &processor, partition: partition) }
    }

    private func send(from processor: inout PartitionProcessor, partition: Int32) throws(ReplayError) {
        var failure: KafkaError?
        processor.drainOutputs { record in
            guard failure == nil else { return }
            do throws(KafkaError) {
                _ = try encoder.send(
                    record, partition: partition, through: producer, buffer: &buffer, skipping: &nothingWritten,
                    reports: &reports)
            } catch {
                failure = error
                return
            }
            switch record {
            case .profile, .tombstone: counts.profiles += 1
            case .session: counts.sessions += 1
            case .alert: counts.alerts += 1
            case .deadLetter: counts.deadLetters += 1
            case .metrics: counts.metrics += 1
            }
        }
        if let failure { throw .kafka(failure) }
    }

    /// Serves delivery reports without waiting; the first failed delivery ends the replay,
    /// since every record after it in its partition would follow a gap.
    func checkDeliveries() throws(ReplayError) {
        producer.poll(timeoutMilliseconds: 0, into: &reports)
        try takeReports()
    }

    /// Waits until every queued record is delivered.
    func close(timeoutMilliseconds: Int32) throws(ReplayError) {
        do {
            reports += try producer.flush(timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            throw .kafka(error)
        }
        try takeReports()
    }

    private func takeReports() throws(ReplayError) {
        defer { reports.removeAll(keepingCapacity: true) }
        let failed = reports.filter { !$0.isDelivered }
        if let first = failed.first?.error { throw .deliveryFailed(failed: failed.count, first: first) }
    }
}
