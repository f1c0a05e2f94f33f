import RevisitKafka

/// A failure of `revisit serve` that stops it: what went wrong, with the topic and the
/// source location involved.
public struct ServeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// An output topic it reads does not exist.
        case topics
        /// The Kafka layer failed (a bad property, a fatal client error).
        case kafka
        /// The HTTP address cannot be used.
        case address
    }

    public let kind: Kind
    public let reason: String
    public let topic: String?
    public let fileID: String
    public let line: UInt

    public init(_ kind: Kind, _ reason: String, topic: String? = nil, fileID: String = #fileID, line: UInt = #line) {
        self.kind = kind
        self.reason = reason
        self.topic = topic
        self.fileID = fileID
        self.line = line
    }

    /// Wraps a Kafka-layer error, keeping its context.
    public init(_ error: KafkaError, fileID: String = #fileID, line: UInt = #line) {
        self.init(.kafka, error.description, topic: error.topic, fileID: fileID, line: line)
    }

    public var description: String {
        "\(kind.rawValue)\(topic.map { " (topic \($0))" } ?? ""): \(reason)"
    }
}
