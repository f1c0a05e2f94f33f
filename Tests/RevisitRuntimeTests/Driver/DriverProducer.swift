import Foundation
import RevisitKafka
import Synchronization
@testable import RevisitRuntime

/// The writer's producer in a ``RuntimeTestDriver``: it appends to the driver's logs and
/// reports each message at the next poll, in the order sent, unless the logs say the
/// cluster is not acknowledging (then messages wait in its queue) or a delivery fails.
final class DriverProducer: OutputProducer {
    private let logs: DriverLogs
    private let interruption: WaitInterruption
    private let queueLimit: Int
    private var nextID: UInt64 = 1
    /// Messages sent and not yet acknowledged or failed.
    private var queued: [(id: UInt64, message: OutgoingMessage)] = []

    init(logs: DriverLogs, interruption: WaitInterruption, queueLimit: Int) {
        self.logs = logs
        self.interruption = interruption
        self.queueLimit = queueLimit
    }

    var upcomingMessageID: UInt64 { nextID }

    func send(
        topic: String, partition: Int32, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64?, reports: inout [DeliveryReport]
    ) throws(KafkaError) {
        try send(
            OutgoingMessage(topic: topic, partition: partition, key: key.map(Array.init), value: value.map(Array.init)),
            reports: &reports)
    }

    func send(_ message: OutgoingMessage, reports: inout [DeliveryReport]) throws(KafkaError) {
        // As librdkafka's queue: full at the limit, until reports make room.
        while queued.count >= queueLimit {
            if interruption.isRequested {
                throw KafkaError(kind: .interrupted, reason: "stopping: gave up waiting for room in the producer queue")
            }
            poll(timeoutMilliseconds: 10, into: &reports)
        }
        queued.append((nextID, message))
        nextID += 1
    }

    func poll(timeoutMilliseconds: Int32, into reports: inout [DeliveryReport]) {
        guard logs.acknowledging, !queued.isEmpty else {
            if timeoutMilliseconds > 0 { Thread.sleep(forTimeInterval: Double(timeoutMilliseconds) / 1000) }
            return
        }
        for (id, message) in queued {
            let partition = TopicPartition(message.topic, message.partition!)
            if logs.takeDeliveryFailure(partition) {
                reports.append(DeliveryReport(messageID: id, topicPartition: partition, offset: -1, code: KafkaErrorCode(rawValue: -192)))
                continue
            }
            let offset = logs.append(
                message.topic, partition: message.partition!, key: message.key, value: message.value, headers: message.headers)
            reports.append(DeliveryReport(messageID: id, topicPartition: partition, offset: offset, code: .noError))
        }
        queued.removeAll()
    }

    func flush(timeoutMilliseconds: Int32) throws(KafkaError) -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        poll(timeoutMilliseconds: timeoutMilliseconds, into: &reports)
        guard queued.isEmpty else {
            throw KafkaError(kind: .timeout, reason: "flush: \(queued.count) messages still undelivered")
        }
        return reports
    }

    var queuedMessageCount: Int { queued.count }

    func takeErrors() -> [KafkaError] { logs.takeProducerErrors() }

    func fatalClientError() -> KafkaError? { logs.fatalProducerError }
}
