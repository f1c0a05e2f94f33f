import RevisitKafka

/// A failure of the long-running pipeline or of a topic replay, with the partition and offset
/// it concerns and whether waiting and retrying can help.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// A state-topic record cannot be read (corrupt, or written by a newer build).
        case corruptState
        /// The state topic no longer holds what a restore needs (retention deleted it).
        case stateLost
        /// Reading the state or output topics made no progress before the deadline.
        case restoreTimedOut
        /// Outputs or state records could not be delivered.
        case delivery
        /// The Kafka layer failed.
        case kafka
        /// The processor could not start with these settings.
        case configuration
        /// A topic of the pipeline is missing and cannot be created, or has the wrong shape.
        case topics
        /// A wait for the cluster was given up because the process is stopping.
        case interrupted
    }

    public let kind: Kind
    public let reason: String
    public let topic: String?
    public let partition: Int32?
    public let offset: Int64?
    /// Retrying later may succeed (a broker away); otherwise an operator must act.
    public let isRetriable: Bool
    public let fileID: String
    public let line: UInt

    public init(
        _ kind: Kind, _ reason: String, topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil,
        isRetriable: Bool = false, fileID: String = #fileID, line: UInt = #line
    ) {
        self.kind = kind
        self.reason = reason
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.isRetriable = isRetriable
        self.fileID = fileID
        self.line = line
    }

    /// Wraps a Kafka-layer error, keeping its context and retriability.
    public init(_ error: KafkaError, fileID: String = #fileID, line: UInt = #line) {
        self.init(.kafka, error.description, topic: error.topic, partition: error.partition, offset: error.offset,
                  isRetriable: error.isRetriable && !error.isFatal, fileID: fileID, line: line)
    }

    public var description: String {
        var place: [String] = []
        if let topic { place.append("topic \(topic)") }
        if let partition { place.append("partition \(partition)") }
        if let offset { place.append("offset \(offset)") }
        let context = place.isEmpty ? "" : " (" + place.joined(separator: ", ") + ")"
        return "\(kind.rawValue)\(context): \(reason)"
    }
}
