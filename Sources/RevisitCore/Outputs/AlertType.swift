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
