import CRdKafka

/// One partition of one topic.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)/\(partition)" }
}

/// A partition with an offset: a position to read from, or an offset to commit.
public struct TopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    /// An offset, or one of the logical offsets ``beginning``, ``end``, ``stored``.
    public var offset: Int64

    public init(_ topicPartition: TopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    public static let end = Int64(RD_KAFKA_OFFSET_END)
    public static let stored = Int64(RD_KAFKA_OFFSET_STORED)

    public var description: String { "\(topicPartition)@\(offset)" }
}

// MARK: - rd_kafka_topic_partition_list_t conversion

/// An owned `rd_kafka_topic_partition_list_t`, destroyed with the value.
final class CPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(capacity, 1)))
    }

    convenience init(_ partitions: [TopicPartition]) {
        self.init(capacity: partitions.count)
        for tp in partitions { rd_kafka_topic_partition_list_add(pointer, tp.topic, tp.partition) }
    }

    convenience init(_ positions: [TopicPartitionOffset]) {
        self.init(capacity: positions.count)
        for position in positions {
            let element = rd_kafka_topic_partition_list_add(
                pointer, position.topicPartition.topic, position.topicPartition.partition)
            element?.pointee.offset = position.offset
        }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// Reads a list owned by someone else (a callback argument).
    static func elements(of list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [Element] {
        guard let list, list.pointee.cnt > 0, let elems = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elems[index]
            return Element(
                topicPartition: TopicPartition(String(cString: element.topic), element.partition),
                offset: element.offset,
                error: KafkaErrorCode(element.err))
        }
    }

    var elements: [Element] { Self.elements(of: pointer) }

    struct Element {
        var topicPartition: TopicPartition
        var offset: Int64
        var error: KafkaErrorCode
    }
}
