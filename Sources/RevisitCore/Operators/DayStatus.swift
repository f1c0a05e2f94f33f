/// A user's derived status on a calendar date D (SPEC 4 and 5).
struct DayStatus: Sendable, Equatable {
    var currentStreak: Int
    var segment: Segment
    var lifecycle: LifecycleStage
    var pAlive: Double
    var churnRisk: Double
    /// Number of `risk_bands` boundaries at or below `churnRisk`.
    var riskBand: Int
}
