/// Lifecycle stage of SPEC section 4 (`lifecycle` in profiles).
public enum LifecycleStage: UInt8, Sendable, CaseIterable {
    case churned, dormant, recalled, new, atRisk, active

    public var name: String {
        switch self {
        case .churned: "churned"
        case .dormant: "dormant"
        case .recalled: "recalled"
        case .new: "new"
        case .atRisk: "at_risk"
        case .active: "active"
        }
    }
}
