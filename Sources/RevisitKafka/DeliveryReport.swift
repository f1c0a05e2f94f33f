/// The outcome of one produced message, as the broker acknowledged it (or did not).
///
/// Kept small (no error value stored) because a producer hands out one per message.
public struct DeliveryReport: Sendable, Equatable {
    /// The id ``KafkaProducer/send(_:)`` returned for the message.
    public var messageID: UInt64
    public var topicPartition: TopicPartition
    /// The offset the message was written at, when delivered.
    public var offset: Int64
    /// librdkafka's result code for the message: ``KafkaErrorCode/noError`` when delivered.
    public var code: KafkaErrorCode

    public init(messageID: UInt64, topicPartition: TopicPartition, offset: Int64, code: KafkaErrorCode) {
        self.messageID = messageID
        self.topicPartition = topicPartition
        self.offset = offset
        self.code = code
    }

    public var isDelivered: Bool { code == .noError }

    /// Why the message was not delivered, or `nil` when it was.
    public var error: KafkaError? {
        guard !isDelivered else { return nil }
        return KafkaError(
            kind: .delivery, code: code, reason: "deliver message: \(code.message)",
            topic: topicPartition.topic, partition: topicPartition.partition)
    }
}
