/// An input message that failed validation, with its original key and bytes (SPEC 6).
public struct DeadLetterRecord: Sendable, Equatable {
    public var reason: DeadLetterReason
    public var detail: String
    public var source: SourcePosition
    public var key: [UInt8]?
    public var value: [UInt8]
}

