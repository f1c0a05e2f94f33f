import RevisitCore
import RevisitKafka

/// Writes a replay's output records to Kafka topics: the record of input partition `p` to
/// partition `p` of its topic (SPEC 8: task `p` is the only writer of partition `p`), in
/// emission order, through one idempotent producer so that retries neither reorder nor
/// duplicate.
///
/// Not `Sendable`: the thread that owns the producer makes every call.
final class TopicOutputWriter {
    private let producer: KafkaOutputProducer
    private let encoder: OutputMessageEncoder
    private var reports: [DeliveryReport] = []
    private var buffer = JSONBuffer()
    /// A replay writes to fresh topics: nothing there to skip.
    private var nothingWritten = WrittenOutputs()
    private(set) var profiles = 0
    private(set) var sessions = 0
    private(set) var alerts = 0
    private(set) var deadLetters = 0
    private(set) var metrics = 0

    init(kafka: KafkaConfiguration, topics: TopicNames) throws(ReplayError) {
        do {
            producer = KafkaOutputProducer(
                try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: kafka)), interruption: WaitInterruption())
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
            case .profile, .tombstone: profiles += 1
            case .session: sessions += 1
            case .alert: alerts += 1
            case .deadLetter: deadLetters += 1
            case .metrics: metrics += 1
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
