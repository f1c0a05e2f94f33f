import RevisitCore
import RevisitKafka

/// The identities of output messages a task found already written after its checkpoint
/// (SPEC 8), counted: a message re-generated with one of them is not written again.
///
/// A message's identity is a hash of what it carries (``identity(topic:key:value:source:)``):
/// outputs are deterministic, so a re-generated record has the bytes, and so the identity, of
/// the one written before, and the restore reads identities off the messages themselves,
/// with nothing added to them.
public struct WrittenOutputs: Sendable, Equatable {
    private var counts: [UInt64: Int] = [:]
    /// How many identities are left to find.
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    public mutating func insert(_ identity: UInt64) {
        counts[identity, default: 0] += 1
        count += 1
    }

    /// Whether `identity` was written (using one of its occurrences up).
    public mutating func consume(_ identity: UInt64) -> Bool {
        guard let n = counts[identity] else { return false }
        counts[identity] = n > 1 ? n - 1 : nil
        count -= 1
        return true
    }

    // MARK: - Identities

    /// The identity of an output message: FNV-1a 64 over its topic, key and value, and for a
    /// dead letter its `revisit.source` header.
    ///
    /// The Kafka timestamp is left out: a topic with `message.timestamp.type=LogAppendTime`
    /// (``TopicConfigPolicy``) answers the time the broker appended the message, not the one
    /// it was sent with. Two outputs of a partition that differ only in their timestamp then
    /// share an identity; they are counted, and the outputs written after a checkpoint are
    /// the first ones that re-processing generates, so using one occurrence up per match
    /// skips exactly those.
    public static func identity(
        topic: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, source: UnsafeRawBufferPointer?
    ) -> UInt64 {
        var h = FNV1a()
        h.combine(topic)
        h.combine(UInt8(0))
        // An absent key or value hashes as an empty one: a consumer sees no difference.
        for part in [key, value, source] {
            h.combine(Int64(part?.count ?? 0))
            if let part { h.combine(buffer: part) }
        }
        return h.value
    }

    /// The identity of a message read back from an output topic.
    public static func identity(of message: ConsumedMessage) -> UInt64 {
        let source = message.headers.first { $0.name == OutputMessageEncoder.sourceHeader }?.value
        return message.key.withUnsafeBytesIfPresent { key in
            message.value.withUnsafeBytes { value in
                source.withUnsafeBytesIfPresent { source in
                    identity(topic: message.topic, key: key, value: value, source: source)
                }
            }
        }
    }
}
