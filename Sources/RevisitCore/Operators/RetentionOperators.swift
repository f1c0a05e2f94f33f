/// The per-user operators of a partition: sessions, visit days, streaks, tiers, lifecycle,
/// churn risk, alerts, recall and attribution, duplicates and `forget` (SPEC 3-6), and the
/// partition's daily aggregates with their win-back touches (SPEC 7, see
/// `RetentionOperators+Aggregates.swift`).
///
/// It sees events in event-time order and timers at their instants; ordering, lateness and
/// watermarks are the `PartitionProcessor`'s business.
struct RetentionOperators: Sendable {
    let rules: RetentionRules
    let evaluator: StatusEvaluator
    var users = UserTable()
    var sessions = OpenSessionTable()
    var zones: ZoneRegistry
    var campaigns = Interner()
    var timers = TimerQueues()
    var changes = UserChangeLog()
    var aggregates: DailyAggregates
    var touches = WinBackTouches()
    var outputs: [OutputRecord] = []
    private let gap: Int64
    private let milestones: Set<Int>

    init(rules: RetentionRules, zones: ZoneRegistry, partition: Int) {
        self.rules = rules
        self.evaluator = StatusEvaluator(rules: rules)
        self.zones = zones
        self.aggregates = DailyAggregates(partition: partition)
        self.gap = rules.sessionGap.milliseconds
        self.milestones = Set(rules.streakMilestones)
    }

    // MARK: - Events

    /// Applies one event; returns false when it was ignored as a duplicate.
    mutating func apply(_ e: TimedEvent) -> Bool {
        switch e.kind {
        case .forget:
            forget(e.userID, at: e.timestamp)
            return true
        case .campaignTouch:
            let slot = users.slotInserting(e.userID).slot
            changes.mark(slot)
            let campaign = campaigns.intern(e.campaign ?? "")
            let variant = e.variant.map { campaigns.intern($0) + 1 } ?? 0
            users.states[Int(slot)].touchCampaign = campaign + 1
            users.states[Int(slot)].touchVariant = variant
            users.states[Int(slot)].touchAt = e.timestamp
            qualifyWinBack(slot, campaign: campaign, variant: variant, at: e.timestamp)
            return true
        case .activity:
            return applyActivity(e)
        }
    }

    private mutating func applyActivity(_ e: TimedEvent) -> Bool {
        let slot = users.slotInserting(e.userID).slot
        changes.mark(slot)
        let s = Int(slot)
        let ts = e.timestamp

        // Hot path: another event of the open session on the same visit day and zone changes
        // a few counters only; update them in place instead of copying the whole state.
        let open = users.states[s].openSession
        if open != 0, ts - sessions[open - 1].end <= gap {
            if sessions.contains(open - 1, eventID: e.eventIDHash) { return false }
            let zone = users.states[s].zone
            let sameZone = !rules.perUserTimezone || e.zone == ZoneRegistry.none || e.zone == zone
            // An earlier event of the user on the open reporting day is what keeps the hot path
            // clear of the daily aggregates too.
            if sameZone, zones.day(at: ts, zone: zone) == Int64(users.states[s].lastVisitDay),
               users.states[s].lastSeen >= aggregates.dayStart {
                sessions.extend(open - 1, at: ts, eventID: e.eventIDHash, revenue: e.revenue)
                users.states[s].countEvent(at: ts, revenue: e.revenue)
                return true
            }
        }

        var u = users.states[s]

        // Session: continue (gap <= session_gap) or open a new one.
        if u.openSession != 0 {
            let index = u.openSession - 1
            if ts - sessions[index].end <= gap {
                if sessions.contains(index, eventID: e.eventIDHash) {
                    return false
                }
                sessions.extend(index, at: ts, eventID: e.eventIDHash, revenue: e.revenue)
            } else {
                // Timers at end + gap fire before later events, so this only guards invariants.
                users.states[s] = u
                closeSession(slot, at: sessions[index].end + gap)
                u = users.states[s]
            }
        }
        if u.openSession == 0 {
            let index = sessions.open(at: ts, eventID: e.eventIDHash, revenue: e.revenue, owner: slot)
            u.openSession = index + 1
            timers.sessionCloses.append(UserTimer(instant: ts + gap, slot: slot, session: index))
        }

        let zoneChanged = rules.perUserTimezone && e.zone != ZoneRegistry.none && e.zone != u.zone
        if zoneChanged { u.zone = e.zone }
        let day = zones.day(at: ts, zone: u.zone)
        if u.lastSeen < aggregates.dayStart { countActiveDay(&u, at: ts) }
        u.countEvent(at: ts, revenue: e.revenue)

        var newDay = false
        var earlierVisit = false
        var alerts: [(AlertType, AlertDetails)] = []
        if !u.hasActivity {
            u.hasActivity = true
            u.firstSeen = ts
            u.firstVisitDay = Int32(day)
            u.lastVisitDay = Int32(day)
            u.visitsLow = 1
            u.visitDaysTotal = 1
            u.streakRun = 1
            u.longestStreak = 1
            newDay = true
        } else if day > Int64(u.lastVisitDay) {
            let previous = Int64(u.lastVisitDay)
            u.shiftVisits(to: day)
            u.visitDaysTotal += 1
            u.streakRun = day == previous + 1 ? (u.streakRun == .max ? .max : u.streakRun + 1) : 1
            u.longestStreak = max(u.longestStreak, u.streakRun)
            if day - previous >= Int64(rules.churnAfterDays) {
                u.lastReturnDay = Int32(day)
                u.recallsTotal += 1
                alerts.append((.recalled, recallDetails(u, returnAt: ts, absent: day - previous)))
            }
            newDay = true
        } else if day < Int64(u.lastVisitDay), !u.isVisitDay(day) {
            // A zone change can date a later event before L: it is still a visit day.
            u.setEarlierVisit(day)
            earlierVisit = true
            u.visitDaysTotal += 1
            if day < Int64(u.firstVisitDay) { u.firstVisitDay = Int32(day) }
            let run = u.runInBitmap()
            if run < UserState.bitmapDays { u.streakRun = UInt16(clamping: max(Int(u.streakRun), run)) }
            u.longestStreak = max(u.longestStreak, u.streakRun)
        }
        if newDay, milestones.contains(Int(u.streakRun)) {
            var details = AlertDetails()
            details.streak = Int(u.streakRun)
            alerts.append((.streakMilestone, details))
        }
        users.states[s] = u
        // Only a new visit day or zone moves the tier or the stage.
        if newDay || zoneChanged || earlierVisit {
            let status = evaluator.status(u, day: day)
            recount(slot, status)
            for (type, details) in alerts {
                emitAlert(type, slot: slot, at: ts, status: status, details: details)
            }
        }
        if newDay || zoneChanged { scheduleDayTimer(slot, today: day, keepEarlier: !zoneChanged) }
        return true
    }

    private func recallDetails(_ u: UserState, returnAt ts: Int64, absent: Int64) -> AlertDetails {
        var details = AlertDetails()
        details.daysAbsent = Int(absent)
        if u.touchCampaign != 0, u.touchAt <= ts, ts - u.touchAt <= rules.attributionWindow.milliseconds {
            details.campaign = campaigns[u.touchCampaign - 1]
            details.variant = u.touchVariant == 0 ? nil : campaigns[u.touchVariant - 1]
            details.touchedAt = u.touchAt
        }
        return details
    }

    private mutating func forget(_ userID: String, at ts: Int64) {
        if let slot = users.slot(of: userID) {
            let open = users.states[Int(slot)].openSession
            if open != 0 { sessions.release(open - 1) }
            eraseFromAggregates(slot)
            users.remove(slot)
            changes.markErased(userID)
        }
        outputs.append(.tombstone(userID: userID, at: ts))
    }

    // MARK: - Timers

    /// Fires one timer; stale entries (superseded or of erased users) do nothing.
    mutating func fire(_ timer: UserTimer, kind: TimerQueues.Kind) {
        // An erased user's slot holds a fresh state (no open session, no day timer), so its
        // stale timers fall through the checks below without looking up the id.
        let s = Int(timer.slot)
        switch kind {
        case .sessionClose, .sessionReschedule:
            // Most session timers find their session still open and extended; the hint
            // confirms that from the session alone, sparing a cache miss on the user's state.
            let open: UInt32
            if sessions.isOpen(timer.session, owner: timer.slot) {
                open = timer.session + 1
            } else {
                open = users.states[s].openSession
                guard open != 0 else { return }
            }
            let due = sessions[open - 1].end + gap
            if due == timer.instant {
                closeSession(timer.slot, at: timer.instant)
            } else if due > timer.instant {
                // Extended since queued (extensions queue nothing themselves): try again then.
                timers.sessionReschedules.insert(UserTimer(instant: due, slot: timer.slot, session: open - 1))
            }
        case .day:
            guard users.states[s].nextDayTimer == timer.instant else { return }
            fireDay(timer.slot, at: timer.instant)
        case .touchMaturity:
            matureTouch(timer)
        }
    }

    private mutating func closeSession(_ slot: UInt32, at instant: Int64) {
        let s = Int(slot)
        let index = users.states[s].openSession - 1
        let session = sessions[index]
        changes.mark(slot)
        users.states[s].closedSessions += 1
        users.states[s].closedSessionMilliseconds += session.end - session.start
        users.states[s].lastSessionStart = session.start
        users.states[s].lastSessionEvents = session.events
        users.states[s].openSession = 0
        sessions.release(index)
        outputs.append(.session(SessionRecord(
            userID: users.id(s), start: session.start, end: session.end,
            events: Int(session.events), revenue: session.revenue, closedAt: instant)))
        outputs.append(.profile(profile(slot, at: instant, cause: .sessionClosed)))
    }

    /// A local midnight at which something may change: compare the status just before and
    /// at the midnight, raise what is due, and plan the next change.
    private mutating func fireDay(_ slot: UInt32, at instant: Int64) {
        let s = Int(slot)
        changes.mark(slot)
        var u = users.states[s]
        let day = zones.day(at: instant, zone: u.zone)
        let terms = evaluator.terms(u)
        let before = evaluator.status(u, terms, day: day - 1)
        let after = evaluator.status(u, terms, day: day)
        let silence = day - Int64(u.lastVisitDay)
        var alerts: [(AlertType, AlertDetails)] = []
        var silent = AlertDetails()
        silent.daysSinceLastVisit = Int(silence)
        if silence == Int64(rules.dormantAfterDays) { alerts.append((.dormant, silent)) }
        if silence == Int64(rules.churnAfterDays) { alerts.append((.churned, silent)) }
        if evaluator.isAtRiskLevel(terms, day: day) && !evaluator.isAtRiskLevel(terms, day: day - 1) {
            let minute = CivilDate.floorDivide(instant, 60_000)
            let last = Int64(u.lastRiskAlertMinute)
            if u.lastRiskAlertMinute == .min || (minute - last) * 60_000 >= rules.riskAlertCooldown.milliseconds {
                u.lastRiskAlertMinute = Int32(clamping: minute)
                alerts.append((.churnRiskHigh, silent))
            }
        }
        users.states[s] = u
        recount(slot, after)
        let changed = before.segment != after.segment || before.lifecycle != after.lifecycle
            || (before.currentStreak > 0 && after.currentStreak == 0) || before.riskBand != after.riskBand
        if changed { outputs.append(.profile(profile(slot, at: instant, cause: .dayChange))) }
        for (type, details) in alerts {
            emitAlert(type, slot: slot, at: instant, status: after, details: details)
        }
        scheduleDayTimer(slot, today: day)
    }

    /// Plans the user's next day timer after `today`.
    ///
    /// With `keepEarlier`, a pending timer that is not later than the new plan stays: firing
    /// at a midnight where nothing changes only re-plans, so an early timer is harmless and
    /// saves the heap work on the hot path (a user active on consecutive days). Not after a
    /// zone change, since the pending instant is a midnight of the old zone.
    private mutating func scheduleDayTimer(_ slot: UInt32, today: Int64, keepEarlier: Bool = false) {
        let s = Int(slot)
        let u = users.states[s]
        let pending = u.nextDayTimer
        if keepEarlier, pending != .max, pending <= zones.midnight(of: today + 1, zone: u.zone) { return }
        guard let day = evaluator.nextChangeDay(u, after: today) else {
            if !keepEarlier { users.states[s].nextDayTimer = .max }
            return
        }
        let instant = zones.midnight(of: day, zone: u.zone)
        guard instant != pending else { return }
        if keepEarlier, pending != .max, pending < instant { return }
        users.states[s].nextDayTimer = instant
        timers.dayTimers.insert(UserTimer(instant: instant, slot: slot))
    }

    // MARK: - Records

    private mutating func emitAlert(
        _ type: AlertType, slot: UInt32, at instant: Int64, status: DayStatus, details: AlertDetails
    ) {
        let user = users.id(Int(slot))
        countAlert(type)
        outputs.append(.alert(AlertRecord(
            alertID: AlertRecord.id(userID: user, type: type, at: instant), userID: user, type: type,
            at: instant, segment: status.segment, lifecycle: status.lifecycle,
            churnRisk: status.churnRisk, currentStreak: status.currentStreak, details: details)))
    }

    /// The profile of a user as of `instant` (SPEC 6).
    mutating func profile(_ slot: UInt32, at instant: Int64, cause: ProfileCause) -> ProfileRecord {
        let s = Int(slot)
        let u = users.states[s]
        let day = zones.day(at: instant, zone: u.zone)
        let status = evaluator.status(u, day: day)
        var sessionsTotal = Int(u.closedSessions)
        var totalMilliseconds = u.closedSessionMilliseconds
        var last = SessionSummary(start: u.lastSessionStart, end: u.lastSeen, events: Int(u.lastSessionEvents))
        if u.openSession != 0 {
            let open = sessions[u.openSession - 1]
            sessionsTotal += 1
            totalMilliseconds += open.end - open.start
            last = SessionSummary(start: open.start, end: open.end, events: Int(open.events))
        }
        let campaign = u.touchCampaign == 0 ? nil : campaigns[u.touchCampaign - 1]
        return ProfileRecord(
            userID: users.id(s), instant: instant, cause: cause, asOf: day,
            firstSeen: u.firstSeen, lastSeen: u.lastSeen,
            firstVisitDay: Int64(u.firstVisitDay), lastVisitDay: Int64(u.lastVisitDay),
            eventsTotal: Int(u.eventsTotal), sessionsTotal: sessionsTotal, visitDaysTotal: Int(u.visitDaysTotal),
            averageSessionMilliseconds: sessionsTotal == 0 ? 0 : Double(totalMilliseconds) / Double(sessionsTotal),
            lastSession: last, currentStreak: status.currentStreak, longestStreak: Int(u.longestStreak),
            vd7: u.visitDays(window: 7, endingAt: day), vd28: u.visitDays(window: 28, endingAt: day),
            vd30: u.visitDays(window: 30, endingAt: day), vd90: u.visitDays(window: 90, endingAt: day),
            segment: status.segment, lifecycle: status.lifecycle, pAlive: status.pAlive,
            churnRisk: status.churnRisk, revenueTotal: u.revenueTotal, recallsTotal: Int(u.recallsTotal),
            lastCampaign: campaign)
    }

    /// Every user's profile as of `instant`, in slot order (end of a replay).
    mutating func emitAllProfiles(at instant: Int64) {
        _ = emitProfiles(at: instant, from: 0, until: nil)
    }

    /// Emits the end-of-input profiles of the users from `slot` on, stopping once `outputs`
    /// holds `limit` records; returns the slot to continue from, nil when every user's is out.
    mutating func emitProfiles(at instant: Int64, from slot: Int, until limit: Int?) -> Int? {
        var slot = slot
        while slot < users.slotCount {
            if let limit, outputs.count >= limit { return slot }
            if users.isLive(slot) && users.states[slot].hasActivity {
                outputs.append(.profile(profile(UInt32(slot), at: instant, cause: .endOfInput)))
            }
            slot += 1
        }
        return nil
    }
}
