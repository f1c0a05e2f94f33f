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

/// An input message that failed validation, with its original key and bytes (SPEC 6).
public struct DeadLetterRecord: Sendable, Equatable {
    public var reason: DeadLetterReason
    public var detail: String
    public var source: SourcePosition
    public var key: [UInt8]?
    public var value: [UInt8]
}

/// Everything a partition processor emits, in emission order.
public enum OutputRecord: Sendable, Equatable {
    case profile(ProfileRecord)
    case session(SessionRecord)
    case alert(AlertRecord)
    /// After `forget`: the profile topic gets a tombstone (null value) for the user.
    case tombstone(userID: String, at: Int64)
    case deadLetter(DeadLetterRecord)

    /// The user the record is about; nil for dead letters.
    public var userID: String? {
        switch self {
        case .profile(let p): p.userID
        case .session(let s): s.userID
        case .alert(let a): a.userID
        case .tombstone(let user, _): user
        case .deadLetter: nil
        }
    }
}
