/// A message read from Kafka.
///
/// Key, value and header bytes are copied out of librdkafka's buffers, so a message stays
/// valid after the next poll and can cross threads.
public struct ConsumedMessage: Sendable {
    public var topicPartition: TopicPartition
    public var offset: Int64
    /// Epoch milliseconds the broker or producer stamped, or `nil` if the message carries none.
    public var timestamp: Int64?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(
        topicPartition: TopicPartition, offset: Int64, timestamp: Int64?, key: [UInt8]?, value: [UInt8],
        headers: [KafkaHeader] = []
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }
}

/// A message to produce.
public struct OutgoingMessage: Sendable {
    public var topic: String
    /// The partition to write to, or `nil` to hash the key (murmur2, as Java clients do).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Epoch milliseconds to stamp the message with; `nil` lets the producer use the current time.
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// A Kafka record header.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}
