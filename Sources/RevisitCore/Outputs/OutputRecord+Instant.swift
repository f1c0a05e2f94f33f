// MARK: - Instant

extension OutputRecord {
    /// The event-time instant the record describes (the timer or event that caused it), nil
    /// for a dead letter, which describes a message rather than an instant. Its Kafka
    /// timestamp.
    public var instant: Int64? {
        switch self {
        case .alert(let a): a.at
        case .session(let s): s.closedAt
        case .profile(let p): p.instant
        case .tombstone(_, let at): at
        case .metrics(_, let closedAt): closedAt
        case .deadLetter: nil
        }
    }
}
