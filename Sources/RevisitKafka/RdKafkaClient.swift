import CRdKafka
import Logging

/// Owns one `rd_kafka_t` handle and the Swift state its callbacks write to.
///
/// Threading model: librdkafka runs its own I/O threads, but the callbacks this layer
/// registers for delivery reports, rebalances and errors run only inside the poll calls the
/// owner makes (`rd_kafka_poll`, `rd_kafka_consume_batch_queue`, `rd_kafka_flush`). The
/// producer and consumer types are therefore not `Sendable`: one thread (or task) owns each
/// client and is the only one that polls it, and the callback state needs no lock. The log
/// callback is the exception: librdkafka calls it from its own threads, so it only reads the
/// immutable, `Sendable` logger.
final class RdKafkaClient {
    let handle: OpaquePointer
    let events: ClientEvents
    private let retainedEvents: Unmanaged<ClientEvents>

    /// Creates a client of `type` from a finished configuration, which it takes ownership of.
    /// A consumer's client watches its group joins (``ClientEvents/groupJoin``).
    init(type: rd_kafka_type_t, conf: OpaquePointer, logger: Logger) throws(KafkaError) {
        let events = ClientEvents(logger: logger)
        let retained = Unmanaged.passRetained(events)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLog)
        rd_kafka_conf_set_error_cb(conf, rdKafkaError)
        if type == RD_KAFKA_CONSUMER {
            // The events outlive the handle, so the watch does too.
            GroupJoinWatch.install(on: conf, watch: .passUnretained(events.groupJoin))
        }

        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            retained.release()
            let text = String(errorBuffer: errorText)
            throw KafkaError(kind: .clientCreation, reason: text, isRetriable: false, isFatal: true)
        }
        self.handle = handle
        self.events = events
        self.retainedEvents = retained
    }

    deinit {
        rd_kafka_destroy(handle)
        retainedEvents.release()
    }

    /// The error that made this client unusable, if librdkafka raised one.
    func fatalClientError() -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let reason = String(errorBuffer: text)
        return KafkaError(kind: .broker, code: KafkaErrorCode(code), reason: reason, isRetriable: false, isFatal: true)
    }

    /// Reads a partition's low and high watermark offsets from its leader.
    func watermarks(of partition: TopicPartition, timeoutMilliseconds: Int32) throws(KafkaError) -> (low: Int64, high: Int64) {
        try Self.watermarks(handle: handle, of: partition, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Reads cluster metadata: every topic with its partition count.
    func topicMetadata(timeoutMilliseconds: Int32) throws(KafkaError) -> [TopicMetadata] {
        try Self.topicMetadata(handle: handle, allTopics: true, timeoutMilliseconds: timeoutMilliseconds)
    }

    // MARK: - Calls safe from any thread

    /// ``watermarks(of:timeoutMilliseconds:)`` on a bare handle.
    static func watermarks(
        handle: OpaquePointer, of partition: TopicPartition, timeoutMilliseconds: Int32
    ) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = 0
        var high: Int64 = 0
        let result = rd_kafka_query_watermark_offsets(
            handle, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .broker(result, "query watermarks", topic: partition.topic, partition: partition.partition)
        }
        return (low, high)
    }

    /// A partition's watermarks as the last fetch response reported them, without asking the
    /// broker; `nil` until a fetch has answered.
    static func cachedWatermarks(handle: OpaquePointer, of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// The id of a broker that answers requests: the one that answered a metadata request.
    func answeringBrokerID(timeoutMilliseconds: Int32) throws(KafkaError) -> Int32 {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw .broker(result, "read cluster metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return metadata.pointee.orig_broker_id
    }

    /// Reads metadata of every topic in the cluster, or with `allTopics` false of the topics
    /// this client uses (subscribed, assigned, produced to).
    static func topicMetadata(
        handle: OpaquePointer, allTopics: Bool, timeoutMilliseconds: Int32
    ) throws(KafkaError) -> [TopicMetadata] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, allTopics ? 1 : 0, nil, &metadata, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw .broker(result, "read cluster metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        return (0..<Int(metadata.pointee.topic_cnt)).map { index in
            let topic = metadata.pointee.topics[index]
            let partitions = (0..<Int(topic.partition_cnt)).map { topic.partitions[$0] }
            return TopicMetadata(
                name: String(cString: topic.topic),
                partitionCount: Int(topic.partition_cnt),
                leaders: Dictionary(partitions.map { ($0.id, $0.leader) }, uniquingKeysWith: { first, _ in first }),
                error: KafkaErrorCode(topic.err))
        }.sorted { $0.name < $1.name }
    }
}

/// A topic as the cluster's metadata describes it.
public struct TopicMetadata: Sendable, Equatable {
    public var name: String
    public var partitionCount: Int
    /// The leader broker id of each partition, by partition id (-1: none at the moment).
    public var leaders: [Int32: Int32]
    /// A topic-level error the broker reported (for example, unknown topic).
    public var error: KafkaErrorCode
}

// MARK: - Callback state

/// What callbacks collect between two polls of the owning thread.
final class ClientEvents {
    let logger: Logger
    var deliveryReports: [DeliveryReport] = []
    var rebalances: [RebalanceEvent] = []
    var errors: [KafkaError] = []
    /// Set while a consumer closes: revocations are released inside the callback.
    var releaseImmediately = false
    /// ``KafkaConsumerConfiguration/assignsFromLogStart``.
    var assignsFromLogStart = false
    /// Assignments the group handed this consumer (see `awaitFirstAssignmentIfJoining`).
    var assignmentsReceived = 0
    /// Whether a consumer is rejoining its group; written from librdkafka's threads.
    let groupJoin = GroupJoinWatch()
    /// Topic names by `rd_kafka_topic_t` pointer, so a delivery report does not build a new
    /// string per message.
    var topicNames: [OpaquePointer: String] = [:]

    init(logger: Logger) {
        self.logger = logger
    }

    static func from(_ handle: OpaquePointer?) -> ClientEvents? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue()
    }

    private var lastTopic: (handle: OpaquePointer, name: String)?

    func topicName(_ topic: OpaquePointer) -> String {
        // Consecutive messages mostly share a topic: skip the dictionary then.
        if let lastTopic, lastTopic.handle == topic { return lastTopic.name }
        let name = topicNames[topic] ?? String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        lastTopic = (topic, name)
        return name
    }
}

// MARK: - C callbacks

private func rdKafkaLog(handle: OpaquePointer?, level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?) {
    guard let events = ClientEvents.from(handle) else { return }
    let swiftLevel: Logger.Level
    switch level {
    case ...3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5, 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    let facilityText = facility.map { String(cString: $0) } ?? "-"
    let text = message.map { String(cString: $0) } ?? ""
    events.logger.log(level: swiftLevel, "\(text)", metadata: ["librdkafka": .string(facilityText)])
}

private func rdKafkaError(handle: OpaquePointer?, code: Int32, reason: UnsafePointer<CChar>?, opaque: UnsafeMutableRawPointer?) {
    guard let opaque else { return }
    let events = Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue()
    let errorCode = KafkaErrorCode(rawValue: code)
    let isFatal = errorCode.cValue == RD_KAFKA_RESP_ERR__FATAL
    events.errors.append(KafkaError(
        kind: .broker, code: errorCode, reason: reason.map { String(cString: $0) } ?? errorCode.message,
        isRetriable: !isFatal, isFatal: isFatal))
}
