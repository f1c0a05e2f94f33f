/// Why an input message went to the dead-letter topic (SPEC section 1).
///
/// The cases are declared in the order the SPEC checks them: when several apply, the first wins.
public enum DeadLetterReason: String, Sendable, CaseIterable, Comparable {
    case tooLarge = "too_large"
    case notJSON = "not_json"
    case notObject = "not_object"
    case missingField = "missing_field"
    case wrongType = "wrong_type"
    case keyMismatch = "key_mismatch"
    case badTimeZone = "bad_tz"
    case timestampOutOfRange = "ts_out_of_range"
    case tooLate = "too_late"

    /// The position of the reason in the SPEC's checking order.
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: DeadLetterReason, rhs: DeadLetterReason) -> Bool { lhs.rank < rhs.rank }
}

