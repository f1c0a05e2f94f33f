/// Type-specific facts of an alert, written under `details`.
public struct AlertDetails: Sendable, Equatable {
    /// `streak_milestone`: the streak reached.
    public var streak: Int?
    /// `dormant`, `churned`, `churn_risk_high`: days since the last visit day.
    public var daysSinceLastVisit: Int?
    /// `recalled`: `R - P` in days.
    public var daysAbsent: Int?
    /// `recalled`: the attributed campaign touch, if one came within the window.
    public var campaign: String?
    public var variant: String?
    public var touchedAt: Int64?

    public init() {}
}
