/// A session still open: its extent and counts. The ids of its events, kept for duplicate
/// detection (SPEC 1), are in `OpenSessionTable`.
struct OpenSession: Sendable, Equatable {
    var start: Int64
    var end: Int64
    var events: UInt32
    var revenue: Double

    /// Adds an event at `ts` (not before `end`).
    mutating func extend(at ts: Int64, revenue: Double) {
        end = ts
        events += 1
        self.revenue += revenue
    }
}
