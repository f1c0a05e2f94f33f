/// Alert types of SPEC 6 and their severities.
public enum AlertType: String, Sendable, CaseIterable {
    case streakMilestone = "streak_milestone"
    case churnRiskHigh = "churn_risk_high"
    case dormant
    case churned
    case recalled

    public var severity: String {
        switch self {
        case .streakMilestone, .dormant, .recalled: "info"
        case .churnRiskHigh: "warning"
        case .churned: "critical"
        }
    }
}

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

/// An alert (SPEC 6).
public struct AlertRecord: Sendable, Equatable {
    public var alertID: UInt64
    public var userID: String
    public var type: AlertType
    /// The instant that caused the alert.
    public var at: Int64
    public var segment: Segment
    public var lifecycle: LifecycleStage
    public var churnRisk: Double
    public var currentStreak: Int
    public var details: AlertDetails

    /// The deterministic id: FNV-1a 64 of the user id, the type and the instant.
    public static func id(userID: String, type: AlertType, at: Int64) -> UInt64 {
        var h = FNV1a()
        h.combine(userID)
        h.combine(UInt8(0))
        h.combine(type.rawValue)
        h.combine(UInt8(0))
        h.combine(at)
        return h.value
    }
}
