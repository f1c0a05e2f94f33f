// MARK: - Identity and instant (SPEC 8, exactly-once effects)

extension OutputRecord {
    /// The deterministic id of the record: the same record from another run, a restart or a
    /// replay has the same id, so a task that takes a partition over can tell what is already
    /// written. FNV-1a 64 over what identifies the record (SPEC 8): an alert's `alert_id`; a
    /// session's user and start; a profile's user, instant and cause; a tombstone's user and
    /// instant; a dead letter's source position.
    public var identity: UInt64 {
        switch self {
        case .alert(let a):
            return a.alertID
        case .session(let s):
            return Self.identity(s.userID, "session", s.start)
        case .profile(let p):
            return Self.identity(p.userID, p.cause.rawValue, p.instant)
        case .tombstone(let user, let at):
            return Self.identity(user, "forget", at)
        case .deadLetter(let d):
            var h = FNV1a()
            h.combine("dead_letter")
            h.combine(UInt8(0))
            h.combine(d.source.description)
            return h.value
        }
    }

    /// The event-time instant the record describes (the timer or event that caused it), nil
    /// for a dead letter, which describes a message rather than an instant.
    public var instant: Int64? {
        switch self {
        case .alert(let a): a.at
        case .session(let s): s.closedAt
        case .profile(let p): p.instant
        case .tombstone(_, let at): at
        case .deadLetter: nil
        }
    }

    private static func identity(_ user: String, _ kind: String, _ instant: Int64) -> UInt64 {
        var h = FNV1a()
        h.combine(user)
        h.combine(UInt8(0))
        h.combine(kind)
        h.combine(UInt8(0))
        h.combine(instant)
        return h.value
    }
}
