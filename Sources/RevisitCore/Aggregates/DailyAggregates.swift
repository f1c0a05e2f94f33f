/// A partition's running counts for the daily aggregates of SPEC 7, kept incrementally so
/// that closing a day reads a few counters instead of scanning every user.
///
/// Events and timers reach it in event-time order, so everything between two closes
/// happens on one reporting-zone date, the *open day*. Per user it needs only what
/// ``UserState`` holds (first and last activity, ``UserState/countedStatus`` and
/// ``UserState/reportingDays``); the windows come from two histograms of users by their
/// first and last active date:
/// - `active_users`, `wau`, `mau`: users whose last active date is in the window;
/// - `revisit.base` of `D`: the `wau` of `D - 7` (users with an active date in
///   `[D-13, D-7]`), less users erased since; `revisit.returned`: the base less those whose
///   last active date is still in `[D-13, D-7]`;
/// - `retention.dN.cohort`: users whose first active date is `D - N`; `retained`: counted
///   when such a user becomes active on `D`.
struct DailyAggregates: Sendable {
    /// The partition written into each record.
    let partition: Int
    /// The reporting-zone date being counted; nil before the partition's first activity event.
    private(set) var openDay: Int64?
    /// The first instant of the open day.
    private(set) var dayStart: Int64 = .max
    /// `t_D`: the first instant after the open day; the day closes at `dayEnd - 1`.
    private(set) var dayEnd: Int64 = .max

    /// Users (with a profile) by their last active date.
    private(set) var lastActive = DayCounts(newest: 0)
    /// Users (with a profile) by their first active date.
    private(set) var firstActive = DayCounts(newest: 0)
    /// Users per tier and per stage, by ``StatusCode``.
    private(set) var tiers = [Int](repeating: 0, count: Segment.allCases.count)
    private(set) var stages = [Int](repeating: 0, count: LifecycleStage.allCases.count)

    // MARK: Counted on the open day
    var retained = [Int](repeating: 0, count: DailyMetricsRecord.retentionDays.count)
    var becameChurned = 0
    var recalled = 0
    /// Touches matured on the open day, by (campaign id, variant id + 1 or 0).
    var maturities: [CampaignKey: DailyMetricsRecord.Cohort] = [:]

    // MARK: Carried from earlier closes
    /// `revisit.base` of the open day and the six after it.
    var baseAhead = [Int](repeating: 0, count: 7)
    /// `stages.churned` of the last record written.
    var churnedAtStart = 0

    /// A campaign and variant as interned ids.
    struct CampaignKey: Hashable, Sendable {
        var campaign: UInt32
        /// The variant's id + 1, 0 when the touch had none.
        var variant: UInt32
    }

    init(partition: Int) {
        self.partition = partition
    }

    /// The instant of the pending close, nil before the first activity event.
    var closeInstant: Int64? { openDay == nil ? nil : dayEnd - 1 }

    /// Opens `day` (the first instant `start`, the next day's `end`): the first close, or
    /// after a restore.
    mutating func open(_ day: Int64, start: Int64, end: Int64) {
        openDay = day
        dayStart = start
        dayEnd = end
        lastActive.advance(to: day)
        firstActive.advance(to: day)
    }

    // MARK: - Users

    /// A user's first activity event of the open day. `previous` is its last active date
    /// before, nil for a user without a profile until now; `firstDay` its first active date.
    mutating func userActive(previous: Int64?, firstDay: Int64) {
        guard let today = openDay else { return }
        lastActive.add(1, on: today)
        if let previous {
            lastActive.add(-1, on: previous)
            for (i, n) in DailyMetricsRecord.retentionDays.enumerated() where firstDay == today - Int64(n) {
                retained[i] += 1
            }
        } else {
            firstActive.add(1, on: today)
        }
    }

    /// Moves a user from one tier and stage to another (either may be ``StatusCode/uncounted``).
    mutating func recount(from old: StatusCode, to new: StatusCode) {
        guard old != new else { return }
        if old.isCounted {
            tiers[Int(old.segment.rawValue)] -= 1
            stages[Int(old.lifecycle.rawValue)] -= 1
        }
        if new.isCounted {
            tiers[Int(new.segment.rawValue)] += 1
            stages[Int(new.lifecycle.rawValue)] += 1
        }
    }

    /// A user with a profile erased by `forget` on the open day: it leaves every count of the
    /// days not yet closed. `reportingDays` is its ``UserState/reportingDays`` bitmap,
    /// anchored at `lastDay`.
    mutating func userErased(firstDay: Int64, lastDay: Int64, status: StatusCode, reportingDays: UInt16) {
        guard let today = openDay else { return }
        lastActive.add(-1, on: lastDay)
        firstActive.add(-1, on: firstDay)
        if lastDay == today {
            for (i, n) in DailyMetricsRecord.retentionDays.enumerated() where firstDay == today - Int64(n) {
                retained[i] -= 1
            }
        }
        recount(from: status, to: .uncounted)
        func wasActive(from: Int64, through: Int64) -> Bool {
            var day = from
            while day <= through {
                let bit = lastDay - day
                if bit >= 0, bit < 16, reportingDays >> UInt16(bit) & 1 == 1 { return true }
                day += 1
            }
            return false
        }
        for k in baseAhead.indices {
            let day = today + Int64(k)
            if wasActive(from: day - 13, through: day - 7) { baseAhead[k] -= 1 }
        }
    }

    // MARK: - Restore

    /// Counts a restored user with a profile (the histograms and tiers are not stored: they
    /// follow from the users).
    mutating func restoreUser(firstDay: Int64, lastDay: Int64, status: StatusCode) {
        lastActive.add(1, on: lastDay)
        firstActive.add(1, on: firstDay)
        recount(from: .uncounted, to: status)
    }

    // MARK: - Close

    /// The record of the open day, then the next day opened (its first instant `dayEnd`,
    /// the one after it `nextEnd`).
    mutating func close(campaignNames names: Interner, nextEnd: Int64) -> DailyMetricsRecord {
        let day = openDay!
        var r = DailyMetricsRecord(date: day, partition: partition)
        r.activeUsers = lastActive[day]
        r.wau = lastActive.sum(from: day - 6, through: day)
        r.mau = lastActive.sum(from: day - 29, through: day)
        r.newUsers = firstActive[day]
        r.tiers = tiers
        r.stages = stages
        r.becameChurned = becameChurned
        r.recalled = recalled
        r.churnedAtStart = churnedAtStart
        r.revisit.base = baseAhead[0]
        r.revisit.returned = baseAhead[0] - lastActive.sum(from: day - 13, through: day - 7)
        for (i, n) in DailyMetricsRecord.retentionDays.enumerated() {
            r.retention[i] = .init(base: firstActive[day - Int64(n)], returned: retained[i])
        }
        r.campaigns = maturities.map { key, counts in
            DailyMetricsRecord.CampaignOutcome(
                campaign: names[key.campaign], variant: key.variant == 0 ? nil : names[key.variant - 1],
                matured: counts.base, returned: counts.returned)
        }.sorted(by: DailyMetricsRecord.CampaignOutcome.precedes)

        churnedAtStart = stages[Int(LifecycleStage.churned.rawValue)]
        baseAhead.removeFirst()
        baseAhead.append(r.wau)
        retained = retained.map { _ in 0 }
        becameChurned = 0
        recalled = 0
        maturities.removeAll()
        open(day + 1, start: dayEnd, end: nextEnd)
        return r
    }
}
