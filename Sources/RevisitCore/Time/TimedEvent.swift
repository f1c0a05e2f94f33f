/// A valid event waiting for the watermark, with everything the operators need resolved.
struct TimedEvent: Sendable, Comparable {
    var timestamp: Int64
    /// Arrival sequence number within the partition: ties in `timestamp` keep arrival order.
    var sequence: UInt64
    var userID: String
    var eventIDHash: UInt64
    var kind: EventKind
    /// Resolved `tz`, or `ZoneRegistry.none`.
    var zone: UInt16
    var revenue: Double
    var campaign: String?
    var variant: String?
    /// Where the event came from: its input offset (a file's line number). A restored task
    /// re-reads its input from the smallest origin still buffered (see `PartitionProcessor.bufferedOrigin`).
    var origin: Int64 = 0

    static func < (lhs: TimedEvent, rhs: TimedEvent) -> Bool {
        lhs.timestamp != rhs.timestamp ? lhs.timestamp < rhs.timestamp : lhs.sequence < rhs.sequence
    }

    static func == (lhs: TimedEvent, rhs: TimedEvent) -> Bool {
        lhs.timestamp == rhs.timestamp && lhs.sequence == rhs.sequence
    }
}
