import RevisitCore
import RevisitKafka

/// Turns output records into Kafka messages for the topics of SPEC 6.
///
/// Every message carries the header `revisit.id` (``OutputRecord/identity`` as 16 hex
/// digits) so that a task taking a partition over can read what is already written without
/// parsing values, and a Kafka timestamp equal to the record's event-time instant, as stream
/// processors stamp derived records. Dead letters keep the original key and bytes and carry
/// `revisit.error`, `revisit.detail` and `revisit.source`.
public struct OutputMessageEncoder: Sendable {
    /// The header holding a record's identity.
    public static let identityHeader = "revisit.id"

    public let topics: TopicNames

    public init(topics: TopicNames) {
        self.topics = topics
    }

    /// The topic a record goes to.
    public func topic(of record: OutputRecord) -> String {
        switch record {
        case .profile, .tombstone: topics.profiles
        case .session: topics.sessions
        case .alert: topics.alerts
        case .deadLetter: topics.dlq
        }
    }

    /// The message for `record`, to be written to `partition` (the task's own partition).
    public func message(for record: OutputRecord, partition: Int32) -> OutgoingMessage {
        var headers = [KafkaHeader(name: Self.identityHeader, value: OutputEncoder.alertIDBytes(record.identity))]
        let key: [UInt8]?
        let value: [UInt8]?
        switch record {
        case .deadLetter(let d):
            key = d.key
            value = d.value
            headers.append(KafkaHeader(name: "revisit.error", string: d.reason.rawValue))
            headers.append(KafkaHeader(name: "revisit.detail", string: d.detail))
            headers.append(KafkaHeader(name: "revisit.source", string: d.source.description))
        case .tombstone(let user, _):
            key = Array(user.utf8)
            value = nil
        default:
            key = record.userID.map { Array($0.utf8) }
            value = OutputEncoder.encode(record)
        }
        return OutgoingMessage(
            topic: topic(of: record), partition: partition, key: key, value: value, headers: headers,
            timestamp: record.instant)
    }

    /// The identity a message written by ``message(for:partition:)`` carries, nil for a
    /// message without one (written by something else).
    public static func identity(of headers: [KafkaHeader]) -> UInt64? {
        guard let header = headers.first(where: { $0.name == identityHeader }), let value = header.value,
              value.count == 16
        else { return nil }
        return UInt64(String(decoding: value, as: UTF8.self), radix: 16)
    }
}

extension TopicNames {
    /// The same names with every output topic (not the input) prefixed, as a backfill writes
    /// them (`backfill.revisit.profiles`, ...).
    public func withOutputPrefix(_ prefix: String) -> TopicNames {
        var names = self
        names.profiles = prefix + profiles
        names.sessions = prefix + sessions
        names.alerts = prefix + alerts
        names.metrics = prefix + metrics
        names.dlq = prefix + dlq
        return names
    }

    /// The output topics a task writes, in a fixed order.
    public var outputs: [String] { [profiles, sessions, alerts, dlq] }
}
