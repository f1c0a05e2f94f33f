/// Everything kept about one user at rest but the id, in a trivially copyable value of
/// 131 bytes, 136 with alignment (the id is in `UserTable`).
///
/// Visit days are a 128-bit bitmap anchored at the last visit day `L` (bit i = day L - i),
/// which covers every window of SPEC 4 (at most 128 days). The open session lives in
/// `OpenSessionTable`, not here, so that the common case of a user between sessions pays
/// nothing for it.
struct UserState: Sendable {
    // Fields are ordered by size so the struct packs without padding.

    // MARK: - 8-byte fields
    var firstSeen: Int64 = 0
    var lastSeen: Int64 = 0
    var revenueTotal: Double = 0
    /// Sum of the durations of closed sessions.
    var closedSessionMilliseconds: Int64 = 0
    var lastSessionStart: Int64 = 0
    /// Visit-day bitmap, bit i = day L - i (low word: i < 64).
    var visitsLow: UInt64 = 0
    var visitsHigh: UInt64 = 0
    /// Time of the latest `campaign_touch`.
    var touchAt: Int64 = .min
    /// The instant of the user's pending day timer, `Int64.max` when none.
    var nextDayTimer: Int64 = .max

    // MARK: - 4-byte fields
    var lastSessionEvents: UInt32 = 0
    var eventsTotal: UInt32 = 0
    var closedSessions: UInt32 = 0
    var visitDaysTotal: UInt32 = 0
    var recallsTotal: UInt32 = 0
    var firstVisitDay: Int32 = 0
    var lastVisitDay: Int32 = 0
    /// Latest return day R (SPEC 4), or `Int32.min`.
    var lastReturnDay: Int32 = .min
    /// Latest touch's interned campaign and variant, + 1 (0 = none).
    var touchCampaign: UInt32 = 0
    var touchVariant: UInt32 = 0
    /// Index + 1 of the open session in `OpenSessionTable`, 0 when none.
    var openSession: UInt32 = 0
    /// Minute (since the epoch) of the last `churn_risk_high` alert, `Int32.min` when none.
    /// Alerts fall on local midnights, which are whole minutes.
    var lastRiskAlertMinute: Int32 = .min

    // MARK: - Small fields
    var streakRun: UInt16 = 0
    var longestStreak: UInt16 = 0
    var zone: UInt16 = 0
    /// Reporting-zone dates with activity (SPEC 7), bit i = the date of `lastSeen` minus i:
    /// what a `forget` must take back from the `revisit` bases not yet closed.
    var reportingDays: UInt16 = 0
    /// The tier and stage the partition's daily aggregate counts the user in (a
    /// ``StatusCode``), 0 while it has no profile.
    var countedStatus: UInt8 = 0
    /// Whether the user had an activity event (a user known only from touches has no profile).
    var hasActivity = false

    /// Counts an applied activity event in the totals.
    @inline(__always)
    mutating func countEvent(at ts: Int64, revenue: Double) {
        eventsTotal &+= 1
        revenueTotal += revenue
        lastSeen = ts
    }

    // MARK: - Visit-day bitmap

    static let bitmapDays = 128

    /// Whether `day` is a visit day, as far as the bitmap reaches.
    func isVisitDay(_ day: Int64) -> Bool {
        let i = Int64(lastVisitDay) - day
        guard i >= 0 && i < 128 else { return false }
        return i < 64 ? (visitsLow >> UInt64(i)) & 1 == 1 : (visitsHigh >> UInt64(i - 64)) & 1 == 1
    }

    /// Marks a new last visit day `day > L`, shifting the bitmap.
    mutating func shiftVisits(to day: Int64) {
        let shift = day - Int64(lastVisitDay)
        if shift >= 128 {
            visitsLow = 0
            visitsHigh = 0
        } else if shift >= 64 {
            visitsHigh = visitsLow << UInt64(shift - 64)
            visitsLow = 0
        } else if shift > 0 {
            visitsHigh = (visitsHigh << UInt64(shift)) | (visitsLow >> UInt64(64 - shift))
            visitsLow <<= UInt64(shift)
        }
        visitsLow |= 1
        lastVisitDay = Int32(day)
    }

    /// Marks a visit day before L (possible after a zone change); beyond the bitmap it only counts.
    mutating func setEarlierVisit(_ day: Int64) {
        let i = Int64(lastVisitDay) - day
        guard i > 0 && i < 128 else { return }
        if i < 64 { visitsLow |= 1 << UInt64(i) } else { visitsHigh |= 1 << UInt64(i - 64) }
    }

    /// Visit days among the `n` dates ending at `today` (SPEC 4 `vd(n)`).
    func visitDays(window n: Int, endingAt today: Int64) -> Int {
        guard n > 0 else { return 0 }
        let shift = today - Int64(lastVisitDay)
        let lo = max(0, -shift)
        let hi = min(Int64(n) - 1 - shift, 127)
        guard hi >= lo else { return 0 }
        return Self.countBits(visitsLow, visitsHigh, from: Int(lo), through: Int(hi))
    }

    /// The bit index (days before L) of the k-th most recent visit day in the bitmap, if any.
    func recentVisitOffset(_ k: Int) -> Int? {
        var remaining = k
        for (word, base) in [(visitsLow, 0), (visitsHigh, 64)] {
            let count = word.nonzeroBitCount
            if remaining > count {
                remaining -= count
                continue
            }
            var w = word
            for _ in 1..<remaining { w &= w - 1 }
            return base + w.trailingZeroBitCount
        }
        return nil
    }

    /// Length of the run of consecutive visit days ending at L, as far as the bitmap sees.
    func runInBitmap() -> Int {
        if visitsLow != .max { return (~visitsLow).trailingZeroBitCount }
        return 64 + (visitsHigh == .max ? 64 : (~visitsHigh).trailingZeroBitCount)
    }

    private static func countBits(_ low: UInt64, _ high: UInt64, from lo: Int, through hi: Int) -> Int {
        func mask(_ a: Int, _ b: Int) -> UInt64 {
            // Bits a...b of one word, 0 <= a <= b <= 63.
            let upper: UInt64 = b == 63 ? .max : (1 << UInt64(b + 1)) - 1
            return upper & ~((1 << UInt64(a)) - 1)
        }
        var total = 0
        if lo <= 63 { total += (low & mask(lo, min(hi, 63))).nonzeroBitCount }
        if hi >= 64 { total += (high & mask(max(lo, 64) - 64, hi - 64)).nonzeroBitCount }
        return total
    }
}
