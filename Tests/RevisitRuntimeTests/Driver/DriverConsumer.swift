import Foundation
import RevisitKafka
@testable import RevisitRuntime

/// The group consumer of a ``RuntimeTestDriver``: it reads the driver's logs, and its
/// rebalances are the ones the test asks for.
final class DriverConsumer: InputConsumer {
    private let logs: DriverLogs
    private var topics: [String] = []
    /// The next offset to hand over, per assigned partition.
    private var positions: [TopicPartition: Int64] = [:]
    private var paused: Set<TopicPartition> = []
    private var rebalances: [RebalanceEvent] = []
    private var polled: [(TopicPartition, DriverLogs.Record)] = []
    private(set) var isClosed = false

    init(logs: DriverLogs) { self.logs = logs }

    /// Queues a rebalance for the next poll. A revocation takes effect when it is polled.
    func enqueue(_ event: RebalanceEvent) { rebalances.append(event) }

    var assignment: [TopicPartition] { positions.keys.sorted() }

    // MARK: - InputConsumer

    func subscribe(_ topics: [String]) throws(KafkaError) { self.topics = topics }

    func pollBorrowing(into batch: inout ConsumerBatch, maxMessages: Int, timeoutMilliseconds: Int32) throws(KafkaError) {
        guard !isClosed else { throw KafkaError(kind: .invalidState, reason: "consumer closed") }
        batch.rebalances = rebalances
        batch.errors = logs.takeConsumerErrors()
        rebalances.removeAll()
        for event in batch.rebalances {
            switch event {
            case .assigned(let partitions):
                // Positions are what the runner seeks to; the log start until then.
                for partition in partitions { positions[partition] = 0 }
            case .revoked(let partitions, _):
                for partition in partitions {
                    positions[partition] = nil
                    paused.remove(partition)
                }
            }
        }
        polled.removeAll()
        for partition in positions.keys.sorted() where !paused.contains(partition) && polled.count < maxMessages {
            let position = positions[partition]!
            let records = logs.records(
                partition.topic, partition: partition.partition, from: position, limit: maxMessages - polled.count)
            for record in records { polled.append((partition, record)) }
            if let last = records.last { positions[partition] = last.offset + 1 }
        }
    }

    func forEachBorrowedMessage(_ body: (BorrowedMessage) -> Void) {
        for (partition, record) in polled {
            record.value.withUnsafeBytes { value in
                if let key = record.key {
                    key.withUnsafeBytes { key in
                        body(BorrowedMessage(topicPartition: partition, offset: record.offset, key: key, value: value))
                    }
                } else {
                    body(BorrowedMessage(topicPartition: partition, offset: record.offset, key: nil, value: value))
                }
            }
        }
    }

    func pause(_ partitions: [TopicPartition]) throws(KafkaError) { paused.formUnion(partitions) }

    func resume(_ partitions: [TopicPartition]) throws(KafkaError) { paused.subtract(partitions) }

    func seek(_ positions: [TopicPartitionOffset], timeoutMilliseconds: Int32) throws(KafkaError) {
        for position in positions where self.positions[position.topicPartition] != nil {
            self.positions[position.topicPartition] = position.offset
        }
    }

    func commit(_ offsets: [TopicPartitionOffset], waiting: Bool) throws(KafkaError) { logs.commit(offsets) }

    func cachedWatermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        (0, logs.endOffset(partition.topic, partition: partition.partition))
    }

    func close() throws(KafkaError) { isClosed = true }
}
