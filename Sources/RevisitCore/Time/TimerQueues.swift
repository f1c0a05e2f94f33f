import Collections

/// The pending timers of a partition.
///
/// A session's close is first queued when it opens, at `start + session_gap`; sessions open
/// in event-time order, so those form a monotone FIFO. When such a timer finds the session
/// extended, it is re-queued at the new `end + session_gap` in a heap. Day timers (the next
/// local midnight at which something about a user can change) go to a `DayTimerWheel`. All are
/// invalidated lazily: an entry fires only if it still matches what the user's state
/// expects, so an event costs no timer work unless it opens a session or a visit day.
/// Win-back touches mature at `t + attribution_window` (SPEC 7), from a heap of their own.
struct TimerQueues: Sendable {
    var sessionCloses = Deque<UserTimer>()
    var sessionReschedules = Heap<UserTimer>()
    var dayTimers = DayTimerWheel()
    /// Touch maturities; ``UserTimer/session`` holds the campaign id.
    var touchMaturities = Heap<UserTimer>()

    init() {}

    /// Which queue a timer comes from.
    enum Kind { case sessionClose, sessionReschedule, day, touchMaturity }

    /// The earliest pending timer; at equal instants session closes come before day timers,
    /// and those before touch maturities.
    func next() -> (timer: UserTimer, kind: Kind)? {
        var best: (timer: UserTimer, kind: Kind)?
        if let s = sessionCloses.first { best = (s, .sessionClose) }
        if let r = sessionReschedules.min, best.map({ r.instant < $0.timer.instant }) ?? true {
            best = (r, .sessionReschedule)
        }
        if let d = dayTimers.min, best.map({ d.instant < $0.timer.instant }) ?? true { best = (d, .day) }
        if let m = touchMaturities.min, best.map({ m.instant < $0.timer.instant }) ?? true { best = (m, .touchMaturity) }
        return best
    }

    mutating func pop(_ kind: Kind) -> UserTimer {
        switch kind {
        case .sessionClose: sessionCloses.removeFirst()
        case .sessionReschedule: sessionReschedules.removeMin()
        case .day: dayTimers.removeMin()
        case .touchMaturity: touchMaturities.removeMin()
        }
    }

    var pendingCount: Int {
        sessionCloses.count + sessionReschedules.count + dayTimers.count + touchMaturities.count
    }
}
