/// A timer of one user at an exact event-time instant (SPEC 2.2).
struct UserTimer: Sendable, Comparable {
    var instant: Int64
    var slot: UInt32

    static func < (lhs: UserTimer, rhs: UserTimer) -> Bool {
        lhs.instant != rhs.instant ? lhs.instant < rhs.instant : lhs.slot < rhs.slot
    }
}
