/// Everything a partition processor emits, in emission order.
public enum OutputRecord: Sendable, Equatable {
    case profile(ProfileRecord)
    case session(SessionRecord)
    case alert(AlertRecord)
    /// After `forget`: the profile topic gets a tombstone (null value) for the user.
    case tombstone(userID: String, at: Int64)
    case deadLetter(DeadLetterRecord)

    /// The user the record is about; nil for dead letters.
    public var userID: String? {
        switch self {
        case .profile(let p): p.userID
        case .session(let s): s.userID
        case .alert(let a): a.userID
        case .tombstone(let user, _): user
        case .deadLetter: nil
        }
    }
}
