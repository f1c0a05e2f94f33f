import CRdKafka

/// An error from the Kafka layer, with librdkafka's code and the context it happened in.
///
/// Every error says whether retrying the same operation can succeed (``isRetriable``) and
/// whether the client handle is unusable from now on (``isFatal``), so callers can choose
/// between backing off, re-creating the client, or stopping.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What part of the layer failed.
    public enum Kind: String, Sendable, Equatable {
        /// A configuration property was unknown or had a bad value.
        case configuration
        /// A client could not be created.
        case clientCreation
        /// librdkafka or a broker answered an operation with an error.
        case broker
        /// A produced message could not be delivered.
        case delivery
        /// The producer's local queue is full; poll for delivery reports and retry.
        case queueFull
        /// An operation did not finish before its deadline.
        case timeout
        /// A topic does not exist and could not be created.
        case topicMissing
        /// An admin request failed.
        case admin
        /// The operation needs state the caller has not set up (for example, no assignment).
        case invalidState
        /// A wait was given up because the caller is stopping.
        case interrupted
    }

    public let kind: Kind
    /// librdkafka's error code (``KafkaErrorCode/noError`` when the error is the layer's own).
    public let code: KafkaErrorCode
    /// What went wrong, in words; never contains the value of a secret property.
    public let reason: String
    public let topic: String?
    public let partition: Int32?
    public let offset: Int64?
    /// Retrying the same operation later may succeed.
    public let isRetriable: Bool
    /// The client instance cannot be used any more and must be re-created.
    public let isFatal: Bool
    public let fileID: String
    public let line: UInt

    public init(
        kind: Kind,
        code: KafkaErrorCode = .noError,
        reason: String,
        topic: String? = nil,
        partition: Int32? = nil,
        offset: Int64? = nil,
        isRetriable: Bool? = nil,
        isFatal: Bool = false,
        fileID: String = #fileID,
        line: UInt = #line
    ) {
        self.kind = kind
        self.code = code
        self.reason = reason
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.isRetriable = isRetriable ?? code.isTransient
        self.isFatal = isFatal
        self.fileID = fileID
        self.line = line
    }

    public var description: String {
        var text = "Kafka \(kind.rawValue) error"
        if code != .noError { text += " \(code.name)" }
        var place: [String] = []
        if let topic { place.append("topic \(topic)") }
        if let partition { place.append("partition \(partition)") }
        if let offset { place.append("offset \(offset)") }
        if !place.isEmpty { text += " (" + place.joined(separator: ", ") + ")" }
        text += ": \(reason)"
        if isFatal { text += " [fatal]" } else if isRetriable { text += " [retriable]" }
        return text
    }
}

// MARK: - Building errors from librdkafka results

extension KafkaError {
    /// An error for a non-zero `rd_kafka_resp_err_t`.
    static func broker(
        _ code: rd_kafka_resp_err_t,
        _ action: String,
        topic: String? = nil,
        partition: Int32? = nil,
        offset: Int64? = nil,
        fileID: String = #fileID,
        line: UInt = #line
    ) -> KafkaError {
        let code = KafkaErrorCode(code)
        return KafkaError(
            kind: code == .timedOut ? .timeout : .broker, code: code, reason: "\(action): \(code.message)",
            topic: topic, partition: partition, offset: offset, fileID: fileID, line: line)
    }

    /// Takes ownership of an `rd_kafka_error_t` and turns it into a ``KafkaError``.
    static func consuming(
        _ error: OpaquePointer,
        kind: Kind = .broker,
        _ action: String,
        topic: String? = nil,
        partition: Int32? = nil,
        fileID: String = #fileID,
        line: UInt = #line
    ) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let code = KafkaErrorCode(rd_kafka_error_code(error))
        let text = rd_kafka_error_string(error).map { String(cString: $0) } ?? code.message
        return KafkaError(
            kind: kind, code: code, reason: "\(action): \(text)", topic: topic, partition: partition,
            isRetriable: rd_kafka_error_is_retriable(error) != 0 || code.isTransient,
            isFatal: rd_kafka_error_is_fatal(error) != 0, fileID: fileID, line: line)
    }
}

// MARK: - KafkaErrorCode

/// A librdkafka error code (`rd_kafka_resp_err_t`): negative values are local to the client,
/// positive ones come from the broker protocol.
public struct KafkaErrorCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }
    init(_ code: rd_kafka_resp_err_t) { self.rawValue = code.rawValue }

    public static let noError = KafkaErrorCode(RD_KAFKA_RESP_ERR_NO_ERROR)
    public static let timedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__TIMED_OUT)
    public static let queueFull = KafkaErrorCode(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    public static let partitionEOF = KafkaErrorCode(RD_KAFKA_RESP_ERR__PARTITION_EOF)
    public static let topicAlreadyExists = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    /// The broker does not implement the request (for example, DescribeConfigs on the mock cluster).
    public static let unsupportedFeature = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE)

    var cValue: rd_kafka_resp_err_t { rd_kafka_resp_err_t(rawValue: rawValue) }

    /// librdkafka's symbolic name, e.g. `_TIMED_OUT` or `UNKNOWN_TOPIC_OR_PART`.
    public var name: String { String(cString: rd_kafka_err2name(cValue)) }
    /// librdkafka's human-readable text for the code.
    public var message: String { String(cString: rd_kafka_err2str(cValue)) }
    public var description: String { name }

    /// Codes that describe a passing condition (a broker away, a leader moving, a full queue).
    var isTransient: Bool {
        switch cValue {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TRANSPORT,
             RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
             RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
             RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
             RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
             RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
            return true
        default:
            return false
        }
    }
}
