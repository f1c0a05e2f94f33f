import Foundation
import RevisitKafka
import Synchronization
@testable import RevisitRuntime

/// The topics of a ``RuntimeTestDriver``: partitioned logs the driver's consumer, producer
/// and restore reader share, the offsets the consumer committed, and the faults a test
/// injects (deliveries that fail, a cluster that stops acknowledging, client errors).
final class DriverLogs: Sendable {
    struct Record: Sendable, Equatable {
        var offset: Int64
        var key: [UInt8]?
        /// Empty for a tombstone.
        var value: [UInt8]
        var headers: [KafkaHeader]
    }

    private struct State {
        var topics: [String: [[Record]]] = [:]
        var committed: [TopicPartition: Int64] = [:]
        /// While false, produced messages stay queued, unacknowledged (a cluster away).
        var acknowledging = true
        /// How many of the next messages sent to a partition fail to be delivered.
        var failingDeliveries: [TopicPartition: Int] = [:]
        var producerErrors: [KafkaError] = []
        var fatalProducerError: KafkaError?
        var consumerErrors: [KafkaError] = []
        /// Reading (a restore) fails with this while set.
        var readFailure: PipelineError?
    }

    private let state = Mutex(State())

    init() {}

    // MARK: - Topics

    func createTopic(_ name: String, partitions: Int) {
        state.withLock { $0.topics[name] = Array(repeating: [], count: partitions) }
    }

    func partitionCount(of topic: String) -> Int { state.withLock { $0.topics[topic]?.count ?? 0 } }

    /// Appends a message and returns its offset.
    @discardableResult
    func append(_ topic: String, partition: Int32, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []) -> Int64 {
        state.withLock { state in
            let offset = Int64(state.topics[topic]![Int(partition)].count)
            state.topics[topic]![Int(partition)].append(Record(offset: offset, key: key, value: value ?? [], headers: headers))
            return offset
        }
    }

    func records(_ topic: String, partition: Int32) -> [Record] {
        state.withLock { $0.topics[topic]?[Int(partition)] ?? [] }
    }

    /// Records from `offset` on, at most `limit`.
    func records(_ topic: String, partition: Int32, from offset: Int64, limit: Int) -> [Record] {
        state.withLock { state in
            guard let log = state.topics[topic]?[Int(partition)], offset < Int64(log.count) else { return [] }
            let start = Int(max(0, offset))
            return Array(log[start..<min(log.count, start + limit)])
        }
    }

    func endOffset(_ topic: String, partition: Int32) -> Int64 {
        state.withLock { Int64($0.topics[topic]?[Int(partition)].count ?? 0) }
    }

    // MARK: - Commits

    func commit(_ offsets: [TopicPartitionOffset]) {
        state.withLock { state in
            for position in offsets { state.committed[position.topicPartition] = position.offset }
        }
    }

    func committed(_ topic: String, partition: Int32) -> Int64? {
        state.withLock { $0.committed[TopicPartition(topic, partition)] }
    }

    // MARK: - Faults

    /// While false, the cluster acknowledges nothing: produced messages stay queued.
    var acknowledging: Bool {
        get { state.withLock { $0.acknowledging } }
        set { state.withLock { $0.acknowledging = newValue } }
    }

    /// The next `count` messages sent to `topic`/`partition` are not delivered.
    func failDeliveries(to topic: String, partition: Int32, count: Int) {
        state.withLock { $0.failingDeliveries[TopicPartition(topic, partition), default: 0] += count }
    }

    /// Whether the next message to `partition` fails, using the failure up.
    func takeDeliveryFailure(_ partition: TopicPartition) -> Bool {
        state.withLock { state in
            guard let left = state.failingDeliveries[partition], left > 0 else { return false }
            state.failingDeliveries[partition] = left - 1
            return true
        }
    }

    func reportProducerError(_ error: KafkaError) { state.withLock { $0.producerErrors.append(error) } }
    func reportConsumerError(_ error: KafkaError) { state.withLock { $0.consumerErrors.append(error) } }
    func raiseFatalProducerError(_ error: KafkaError) { state.withLock { $0.fatalProducerError = error } }

    func takeProducerErrors() -> [KafkaError] {
        state.withLock { state in
            defer { state.producerErrors.removeAll() }
            return state.producerErrors
        }
    }

    func takeConsumerErrors() -> [KafkaError] {
        state.withLock { state in
            defer { state.consumerErrors.removeAll() }
            return state.consumerErrors
        }
    }

    var fatalProducerError: KafkaError? { state.withLock { $0.fatalProducerError } }

    /// While set, a restore's reads fail with it.
    var readFailure: PipelineError? {
        get { state.withLock { $0.readFailure } }
        set { state.withLock { $0.readFailure = newValue } }
    }
}

// MARK: - Restore reads

/// Reads ranges of the driver's logs, as ``PartitionRangeReader`` reads Kafka's.
struct DriverLogReader: PartitionLogReading {
    let logs: DriverLogs
    let interruption: WaitInterruption

    func read(
        _ starts: [TopicPartition: Int64?], _ body: (ConsumedMessage) throws(PipelineError) -> Void
    ) throws(PipelineError) -> [TopicPartition: PartitionRangeReader.Bounds] {
        if let failure = logs.readFailure { throw failure }
        if interruption.isRequested { throw PipelineError(.interrupted, "stopping") }
        var bounds: [TopicPartition: PartitionRangeReader.Bounds] = [:]
        for (partition, start) in starts.sorted(by: { $0.key < $1.key }) {
            let records = logs.records(partition.topic, partition: partition.partition)
            bounds[partition] = PartitionRangeReader.Bounds(low: 0, high: Int64(records.count))
            for record in records.dropFirst(Int(max(0, min(start ?? 0, Int64(records.count))))) {
                try body(ConsumedMessage(
                    topicPartition: partition, offset: record.offset, timestamp: nil, key: record.key, value: record.value,
                    headers: record.headers))
            }
        }
        return bounds
    }
}
