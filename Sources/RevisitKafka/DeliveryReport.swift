/// The outcome of one produced message, as the broker acknowledged it (or did not).
public struct DeliveryReport: Sendable {
    /// The id ``KafkaProducer/send(_:)`` returned for the message.
    public var messageID: UInt64
    public var topicPartition: TopicPartition
    /// The offset the message was written at, when delivered.
    public var offset: Int64
    /// Why the message was not delivered, or `nil` when it was.
    public var error: KafkaError?

    public var isDelivered: Bool { error == nil }
}
