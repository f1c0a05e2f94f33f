/// A timer of one user at an exact event-time instant (SPEC 2.2).
struct UserTimer: Sendable, Comparable {
    var instant: Int64
    var slot: UInt32
    /// For a session timer, the index of the open session it was queued for: a hint that lets
    /// it check the session without reading the user's state. `UInt32.max` when unknown.
    /// For a touch maturity, the touch's campaign id.
    var session: UInt32 = .max

    /// Timers are ordered, and identified, by instant and slot.
    static func < (lhs: UserTimer, rhs: UserTimer) -> Bool {
        lhs.instant != rhs.instant ? lhs.instant < rhs.instant : lhs.slot < rhs.slot
    }

    static func == (lhs: UserTimer, rhs: UserTimer) -> Bool {
        lhs.instant == rhs.instant && lhs.slot == rhs.slot
    }
}
