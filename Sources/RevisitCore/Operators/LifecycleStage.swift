/// Lifecycle stage of SPEC section 4 (`lifecycle` in profiles).
public enum LifecycleStage: UInt8, Sendable, CaseIterable {
    case churned, dormant, recalled, new, atRisk, active

    public var name: String { staticName.description }

    /// The name as it appears in JSON.
    public var staticName: StaticString {
        switch self {
        case .churned: "churned"
        case .dormant: "dormant"
        case .recalled: "recalled"
        case .new: "new"
        case .atRisk: "at_risk"
        case .active: "active"
        }
    }

    /// The order of `stages` in a daily aggregate (SPEC 7): a user's path through them.
    public static let reportOrder: [LifecycleStage] = [.new, .active, .atRisk, .dormant, .churned, .recalled]
}
