/// Where an input message came from: topic, partition and offset, or file and line.
public struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    public var topic: String
    /// nil for a file, whose `offset` is then the 1-based line number.
    public var partition: Int32?
    public var offset: Int64

    public init(topic: String, partition: Int32?, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// `topic/partition/offset`, or `file:line`.
    public var description: String {
        if let partition { return "\(topic)/\(partition)/\(offset)" }
        return "\(topic):\(offset)"
    }
}
