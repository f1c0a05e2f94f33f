/// A user's profile as of an instant (SPEC 6).
public struct ProfileRecord: Sendable, Equatable {
    public var userID: String
    /// The instant the profile describes (epoch ms); `asOf` is its date in the user's zone.
    public var instant: Int64
    public var cause: ProfileCause
    /// Date D, days since 1970-01-01.
    public var asOf: Int64
    public var firstSeen: Int64
    public var lastSeen: Int64
    public var firstVisitDay: Int64
    public var lastVisitDay: Int64
    public var eventsTotal: Int
    public var sessionsTotal: Int
    public var visitDaysTotal: Int
    /// Mean session duration in milliseconds over all sessions, the open one included.
    public var averageSessionMilliseconds: Double
    public var lastSession: SessionSummary
    public var currentStreak: Int
    public var longestStreak: Int
    public var vd7: Int
    public var vd28: Int
    public var vd30: Int
    public var vd90: Int
    public var segment: Segment
    public var lifecycle: LifecycleStage
    public var pAlive: Double
    public var churnRisk: Double
    public var revenueTotal: Double
    public var recallsTotal: Int
    public var lastCampaign: String?

    /// The `schema_version` written in every profile.
    public static let schemaVersion = 1
}
