/// Why a profile was emitted; with the user and the instant it identifies the record
/// (SPEC 8, exactly-once effects).
public enum ProfileCause: String, Sendable {
    case sessionClosed = "session_closed"
    case dayChange = "day_change"
    case endOfInput = "end_of_input"
}
