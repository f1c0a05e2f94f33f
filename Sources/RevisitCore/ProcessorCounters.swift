/// Counters of a partition: every input message ends up applied, ignored as a duplicate or
/// dead-lettered (SPEC 1), and each path is counted.
public struct ProcessorCounters: Sendable, Equatable {
    /// Messages handed to the processor.
    public var received: UInt64 = 0
    /// Events the operators applied (activity, touches, forgets).
    public var applied: UInt64 = 0
    /// Activity events ignored as duplicates.
    public var duplicates: UInt64 = 0
    /// Dead letters per reason code.
    public var deadLetters: [DeadLetterReason: UInt64] = [:]

    public init() {}

    public var deadLettersTotal: UInt64 { deadLetters.values.reduce(0, +) }
}
