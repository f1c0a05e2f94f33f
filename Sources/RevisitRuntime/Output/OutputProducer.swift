import RevisitKafka
import Synchronization

/// What the ``OutputWriter`` needs of a producer: queue messages for given partitions, serve
/// their delivery reports, and say what went wrong with the client.
///
/// ``KafkaOutputProducer`` is the one over Kafka; the runtime's test driver has one over
/// its own logs. Messages of one partition are reported in the order they were queued (an
/// idempotent producer's guarantee, which checkpoints rely on).
protocol OutputProducer: AnyObject {
    /// The id the next message queued will get; ids increase by one per message.
    var upcomingMessageID: UInt64 { get }

    /// Queues a message whose bytes are borrowed for the call, serving delivery reports into
    /// `reports` while the queue is full.
    ///
    /// - Throws: ``KafkaError`` when the message cannot be queued, or of kind
    ///   ``KafkaError/Kind/interrupted`` when waiting for room was given up (stopping).
    func send(
        topic: String, partition: Int32, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64?, reports: inout [DeliveryReport]
    ) throws(KafkaError)

    /// Queues `message` like ``send(topic:partition:key:value:timestamp:reports:)``.
    func send(_ message: OutgoingMessage, reports: inout [DeliveryReport]) throws(KafkaError)

    /// Serves delivery reports for up to `timeoutMilliseconds`, appending them to `reports`.
    func poll(timeoutMilliseconds: Int32, into reports: inout [DeliveryReport])

    /// Waits up to `timeoutMilliseconds` for every queued message to be reported.
    ///
    /// - Throws: ``KafkaError/Kind/timeout`` when some are still queued then.
    func flush(timeoutMilliseconds: Int32) throws(KafkaError) -> [DeliveryReport]

    /// Messages not yet reported.
    var queuedMessageCount: Int { get }

    /// Client-level errors since the last call (a broker down, a failed authentication).
    func takeErrors() -> [KafkaError]

    /// The error that made the client unusable, if any: nothing it sends will be delivered.
    func fatalClientError() -> KafkaError?
}

/// An ``OutputProducer`` over a ``KafkaProducer`` whose waits for queue room can be given up
/// from another thread: a stop must not wait `message.timeout.ms` for a cluster that is away.
final class KafkaOutputProducer: OutputProducer {
    private let producer: KafkaProducer
    private let interruption: WaitInterruption

    init(_ producer: KafkaProducer, interruption: WaitInterruption) {
        self.producer = producer
        self.interruption = interruption
    }

    var upcomingMessageID: UInt64 { producer.upcomingMessageID }

    func send(
        topic: String, partition: Int32, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64?, reports: inout [DeliveryReport]
    ) throws(KafkaError) {
        try waitingForRoom(&reports) { () throws(KafkaError) in
            try producer.send(topic: topic, partition: partition, key: key, value: value, timestamp: timestamp)
        }
    }

    func send(_ message: OutgoingMessage, reports: inout [DeliveryReport]) throws(KafkaError) {
        try waitingForRoom(&reports) { () throws(KafkaError) in try producer.send(message) }
    }

    private func waitingForRoom(
        _ reports: inout [DeliveryReport], _ send: () throws(KafkaError) -> UInt64
    ) throws(KafkaError) {
        while true {
            do {
                _ = try send()
                return
            } catch {
                guard error.kind == .queueFull else { throw error }
                if interruption.isRequested {
                    throw KafkaError(
                        kind: .interrupted, code: error.code,
                        reason: "stopping: gave up waiting for room in the producer queue (\(producer.queuedMessageCount) messages undelivered)",
                        topic: error.topic, partition: error.partition, isRetriable: true)
                }
                producer.poll(timeoutMilliseconds: 10, into: &reports)
            }
        }
    }

    func poll(timeoutMilliseconds: Int32, into reports: inout [DeliveryReport]) {
        producer.poll(timeoutMilliseconds: timeoutMilliseconds, into: &reports)
    }

    func flush(timeoutMilliseconds: Int32) throws(KafkaError) -> [DeliveryReport] {
        try producer.flush(timeoutMilliseconds: timeoutMilliseconds)
    }

    var queuedMessageCount: Int { producer.queuedMessageCount }

    func takeErrors() -> [KafkaError] { producer.takeErrors() }

    func fatalClientError() -> KafkaError? { producer.fatalClientError() }
}

/// A request, from any thread, that blocking waits give up: set when a stop's deadline passed.
final class WaitInterruption: Sendable {
    private let requested = Atomic(false)

    init() {}

    var isRequested: Bool { requested.load(ordering: .relaxed) }

    func request() { requested.store(true, ordering: .relaxed) }
}
