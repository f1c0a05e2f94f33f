/// A user's tier and lifecycle stage as counted in a partition's daily aggregate, packed
/// into the one byte of ``UserState`` that tells which counters the user is in.
struct StatusCode: Sendable, Equatable {
    /// 0: not counted (no profile); else `1 + segment * 8 + lifecycle`.
    var rawValue: UInt8

    static let uncounted = StatusCode(rawValue: 0)

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init(_ segment: Segment, _ lifecycle: LifecycleStage) {
        rawValue = 1 + segment.rawValue &* 8 + lifecycle.rawValue
    }

    var isCounted: Bool { rawValue != 0 }
    var segment: Segment { Segment(rawValue: (rawValue - 1) / 8)! }
    var lifecycle: LifecycleStage { LifecycleStage(rawValue: (rawValue - 1) % 8)! }

    /// Whether a restored byte names a tier and a stage.
    var isValid: Bool {
        rawValue == 0
            || (Segment(rawValue: (rawValue - 1) / 8) != nil && LifecycleStage(rawValue: (rawValue - 1) % 8) != nil)
    }
}
