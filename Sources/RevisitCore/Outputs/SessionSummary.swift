/// The latest session of a user as far as it extends at the profile's instant.
public struct SessionSummary: Sendable, Equatable {
    public var start: Int64
    public var end: Int64
    public var events: Int
    public var durationMilliseconds: Int64 { end - start }
}
