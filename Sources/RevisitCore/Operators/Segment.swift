/// Frequency tier of SPEC section 4 (`segment` in profiles).
public enum Segment: UInt8, Sendable, CaseIterable {
    case high, medium, low, churned

    public var name: String { staticName.description }

    /// The name as it appears in JSON.
    public var staticName: StaticString {
        switch self {
        case .high: "high"
        case .medium: "medium"
        case .low: "low"
        case .churned: "churned"
        }
    }
}
