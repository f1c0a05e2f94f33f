/// A closed session (SPEC 3), emitted once by the timer at `end + session_gap`.
public struct SessionRecord: Sendable, Equatable {
    public var userID: String
    public var start: Int64
    public var end: Int64
    public var events: Int
    public var revenue: Double
    /// The timer instant that closed it (`end + session_gap`).
    public var closedAt: Int64

    public var durationMilliseconds: Int64 { end - start }
}
