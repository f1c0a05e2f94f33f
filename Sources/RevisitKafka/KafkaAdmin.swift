import CRdKafka
import Logging

/// Creates and lists topics, and describes their configs (`KafkaAdmin+Configs.swift`).
///
/// Not `Sendable`: one thread owns an admin client (see `RdKafkaClient`).
public final class KafkaAdmin {
    let client: RdKafkaClient

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "revisit.kafka.admin")) throws(KafkaError) {
        let conf = try configuration.makeConf(extra: [])
        self.client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, conf: conf, logger: logger)
    }

    /// Every topic in the cluster with its partition count, sorted by name.
    public func listTopics(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [TopicMetadata] {
        try client.topicMetadata(timeoutMilliseconds: timeoutMilliseconds).filter { $0.error == .noError }
    }

    /// Creates topics; a topic that already exists is reported as ``TopicCreation/existed``.
    ///
    /// - Throws: ``KafkaError/Kind/timeout`` when the cluster does not answer in time (some
    ///   test clusters cannot create topics at all), ``KafkaError/Kind/admin`` naming the topic
    ///   when the cluster refuses one.
    public func createTopics(_ topics: [NewTopic], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [String: TopicCreation] {
        guard !topics.isEmpty else { return [:] }
        var handles: [OpaquePointer?] = []
        defer { for handle in handles { rd_kafka_NewTopic_destroy(handle) } }
        for topic in topics {
            var errorText = [CChar](repeating: 0, count: 512)
            guard let handle = rd_kafka_NewTopic_new(topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorText, errorText.count) else {
                throw KafkaError(kind: .admin, reason: String(errorBuffer: errorText), topic: topic.name, isRetriable: false)
            }
            handles.append(handle)
            for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                let result = rd_kafka_NewTopic_set_config(handle, name, value)
                guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "set topic config \(name)", topic: topic.name) }
            }
        }
        let event = try request(
            "CreateTopics", RD_KAFKA_ADMIN_OP_CREATETOPICS, timeoutMilliseconds: timeoutMilliseconds,
            operationTimeout: true
        ) { options, queue in
            rd_kafka_CreateTopics(client.handle, &handles, handles.count, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
              let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [:] }
        var outcome: [String: TopicCreation] = [:]
        for index in 0..<count {
            let topicResult = results[index]
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let code = KafkaErrorCode(rd_kafka_topic_result_error(topicResult))
            switch code {
            case .noError: outcome[name] = .created
            case .topicAlreadyExists: outcome[name] = .existed
            default:
                let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) } ?? code.message
                throw KafkaError(kind: code == .timedOut ? .timeout : .admin, code: code, reason: "create topic: \(text)", topic: name)
            }
        }
        return outcome
    }

    // MARK: - Requests

    /// Sends one admin request through `issue` (given its options and reply queue) and waits
    /// for the answer: the result event, which the caller destroys.
    ///
    /// - Throws: ``KafkaError/Kind/timeout`` when no answer comes in time, ``KafkaError/Kind/admin``
    ///   when the request as a whole failed.
    func request(
        _ name: String, _ operation: rd_kafka_admin_op_t, timeoutMilliseconds: Int32, operationTimeout: Bool = false,
        _ issue: (_ options: OpaquePointer?, _ queue: OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        let options = rd_kafka_AdminOptions_new(client.handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, nil, 0)
        if operationTimeout { rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, nil, 0) }
        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        issue(options, queue)
        // The request's own timeout ends it; the extra second only covers scheduling.
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 1_000) else {
            throw KafkaError(kind: .timeout, code: .timedOut,
                             reason: "\(name) got no answer within \(timeoutMilliseconds) ms", isRetriable: true)
        }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            let code = KafkaErrorCode(eventError)
            rd_kafka_event_destroy(event)
            throw KafkaError(kind: code == .timedOut ? .timeout : .admin, code: code, reason: "\(name): \(text)",
                             isRetriable: code == .timedOut)
        }
        return event
    }
}

/// A topic to create.
public struct NewTopic: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Topic configs, for example `cleanup.policy: compact`.
    public var configs: [String: String]

    public init(name: String, partitions: Int, replicationFactor: Int = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// What creating one topic did.
public enum TopicCreation: Sendable, Equatable {
    case created
    case existed
}
