import RevisitCore
import RevisitKafka

/// Turns output records into Kafka messages for the topics of SPEC 6, and queues them.
///
/// A message is sent with a Kafka timestamp equal to the record's event-time instant, as
/// stream processors stamp derived records (the topics Revisit creates replace it with the
/// time the broker appended it: ``TopicConfigPolicy``), and nothing beyond key and value: a task taking a
/// partition over tells what is already written by the messages' content (see
/// ``WrittenOutputs``). Dead letters keep the original key and bytes and carry
/// `revisit.error`, `revisit.detail` and `revisit.source`.
public struct OutputMessageEncoder: Sendable {
    /// The header of a dead letter naming the input message it stands for.
    public static let sourceHeader = "revisit.source"

    public let topics: TopicNames
    /// ``TopicNames/outputs``, computed once.
    private let outputTopics: [String]

    public init(topics: TopicNames) {
        self.topics = topics
        self.outputTopics = topics.outputs
    }

    /// Queues `record` for `partition` (the task's own partition) on `producer`, encoding
    /// its value into `buffer`, which the caller reuses from record to record; when the
    /// producer's queue is full, serves delivery reports into `reports` until there is room.
    /// A record whose message is among `written` is not sent (it uses that one up).
    ///
    /// - Returns: the role of the topic it was sent to, or nil when it was already written.
    func send(
        _ record: borrowing OutputRecord, partition: Int32, through producer: some OutputProducer, buffer: inout JSONBuffer,
        skipping written: inout WrittenOutputs, reports: inout [DeliveryReport]
    ) throws(KafkaError) -> TopicRole? {
        // One switch takes out the payload, once: each access to an enum's payload copies it,
        // with every string it holds.
        let role: TopicRole
        let key: String
        let timestamp: Int64
        buffer.removeAll()
        switch record {
        case .profile(let p):
            OutputEncoder.append(p, to: &buffer)
            (role, key, timestamp) = (.profiles, p.userID, p.instant)
        case .session(let s):
            OutputEncoder.append(s, to: &buffer)
            (role, key, timestamp) = (.sessions, s.userID, s.closedAt)
        case .alert(let a):
            OutputEncoder.append(a, to: &buffer)
            (role, key, timestamp) = (.alerts, a.userID, a.at)
        case .tombstone(let user, let at):
            let sent = try send(topic: topics.profiles, partition: partition, key: user, value: nil, timestamp: at,
                                producer: producer, written: &written, reports: &reports)
            return sent ? .profiles : nil
        case .deadLetter(let d):
            return try send(d, partition: partition, producer: producer, written: &written, reports: &reports) ? .dlq : nil
        case .metrics(let m, let closedAt):
            OutputEncoder.append(m, to: &buffer)
            (role, key, timestamp) = (.metrics, EventTime.formatDate(m.date), closedAt)
        }
        let sent = try buffer.withBytes { value throws(KafkaError) in
            try send(topic: outputTopics[role.ordinal], partition: partition, key: key, value: value, timestamp: timestamp,
                     producer: producer, written: &written, reports: &reports)
        }
        return sent ? role : nil
    }

    private func send(
        _ d: DeadLetterRecord, partition: Int32, producer: some OutputProducer, written: inout WrittenOutputs,
        reports: inout [DeliveryReport]
    ) throws(KafkaError) -> Bool {
        let topic = topics.dlq
        let source = Array(d.source.description.utf8)
        if !written.isEmpty {
            let id = d.key.withUnsafeBytesIfPresent { key in
                d.value.withUnsafeBytes { value in
                    source.withUnsafeBytes { WrittenOutputs.identity(topic: topic, key: key, value: value, source: $0) }
                }
            }
            if written.consume(id) { return false }
        }
        try producer.send(
            OutgoingMessage(
                topic: topic, partition: partition, key: d.key, value: d.value,
                headers: [
                    KafkaHeader(name: "revisit.error", string: d.reason.rawValue),
                    KafkaHeader(name: "revisit.detail", string: d.detail),
                    KafkaHeader(name: Self.sourceHeader, value: source),
                ]),
            reports: &reports)
        return true
    }

    private func send(
        topic: String, partition: Int32, key: String, value: UnsafeRawBufferPointer?, timestamp: Int64?,
        producer: some OutputProducer, written: inout WrittenOutputs, reports: inout [DeliveryReport]
    ) throws(KafkaError) -> Bool {
        var key = key
        let sent: Result<Bool, KafkaError> = key.withUTF8 { keyBytes in
            let key = UnsafeRawBufferPointer(keyBytes)
            if !written.isEmpty,
               written.consume(WrittenOutputs.identity(topic: topic, key: key, value: value, source: nil)) {
                return .success(false)
            }
            return Result { () throws(KafkaError) in
                try producer.send(
                    topic: topic, partition: partition, key: key, value: value, timestamp: timestamp, reports: &reports)
                return true
            }
        }
        return try sent.get()
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
}
