/// Everything a partition processor emits, in emission order.
public enum OutputRecord: Sendable, Equatable {
    case profile(ProfileRecord)
    case session(SessionRecord)
    case alert(AlertRecord)
    /// After `forget`: the profile topic gets a tombstone (null value) for the user.
    case tombstone(userID: String, at: Int64)
    case deadLetter(DeadLetterRecord)
    /// A partition's daily aggregate (SPEC 7), written by the close of its day at `closedAt`
    /// (`t_D - 1 ms`), the record's instant.
    case metrics(DailyMetricsRecord, closedAt: Int64)

    /// The user the record is about; nil for dead letters and daily aggregates.
    public var userID: String? {
        switch self {
        case .profile(let p): p.userID
        case .session(let s): s.userID
        case .alert(let a): a.userID
        case .tombstone(let user, _): user
        case .deadLetter, .metrics: nil
        }
    }
}
