// MARK: - Daily aggregates and win-back touches (SPEC 7)

/// The reporting zone is the pipeline's `timezone`, zone 0 of the registry.
private let reportingZone: UInt16 = 0

extension RetentionOperators {
    /// Counts the user's first activity event of the open reporting day (starting the
    /// partition's daily records with its first activity event). Called before the event
    /// updates `u`.
    mutating func countActiveDay(_ u: inout UserState, at ts: Int64) {
        let today = zones.day(at: ts, zone: reportingZone)
        if aggregates.openDay == nil {
            aggregates.open(
                today, start: zones.midnight(of: today, zone: reportingZone),
                end: zones.midnight(of: today + 1, zone: reportingZone))
        }
        if u.hasActivity {
            let previous = zones.day(at: u.lastSeen, zone: reportingZone)
            aggregates.userActive(previous: previous, firstDay: zones.day(at: u.firstSeen, zone: reportingZone))
            let shift = today - previous
            u.reportingDays = shift >= 16 ? 1 : (u.reportingDays << UInt16(shift)) | 1
        } else {
            aggregates.userActive(previous: nil, firstDay: today)
            u.reportingDays = 1
        }
    }

    /// Moves the user to the tier and stage of `status` in the aggregate's counts.
    mutating func recount(_ slot: UInt32, _ status: DayStatus) {
        let code = StatusCode(status.segment, status.lifecycle)
        let old = StatusCode(rawValue: users.states[Int(slot)].countedStatus)
        guard code != old else { return }
        aggregates.recount(from: old, to: code)
        users.states[Int(slot)].countedStatus = code.rawValue
    }

    /// Takes a user about to be erased out of every count of the open day and the days
    /// after, and drops its touches.
    mutating func eraseFromAggregates(_ slot: UInt32) {
        let u = users.states[Int(slot)]
        touches.remove(slot: slot)
        guard u.hasActivity else { return }
        aggregates.userErased(
            firstDay: zones.day(at: u.firstSeen, zone: reportingZone),
            lastDay: zones.day(at: u.lastSeen, zone: reportingZone),
            status: StatusCode(rawValue: u.countedStatus), reportingDays: u.reportingDays)
    }

    /// `churned` and `recalled` alerts count on the date of their `at`, which is now.
    mutating func countAlert(_ type: AlertType) {
        switch type {
        case .churned: aggregates.becameChurned += 1
        case .recalled: aggregates.recalled += 1
        default: break
        }
    }

    // MARK: - Win-back touches

    /// Records a `campaign_touch` as a win-back touch when it qualifies: the user has a
    /// profile, has been silent for at least `dormant_after_days` (in its own zone), and has
    /// no qualifying touch of the campaign yet. It matures at `t + attribution_window`.
    mutating func qualifyWinBack(_ slot: UInt32, campaign: UInt32, variant: UInt32, at t: Int64) {
        let u = users.states[Int(slot)]
        guard u.hasActivity,
              zones.day(at: t, zone: u.zone) - Int64(u.lastVisitDay) >= Int64(rules.dormantAfterDays),
              !touches.contains(slot: slot, campaign: campaign)
        else { return }
        touches.add(.init(campaign: campaign, variant: variant, at: t, matured: false), slot: slot)
        timers.touchMaturities.insert(UserTimer(
            instant: t + rules.attributionWindow.milliseconds, slot: slot, session: campaign))
    }

    /// A touch's maturity: counted on today's record, returned when the user had an activity
    /// event after the touch (events at the maturity's instant came first). A touch of an
    /// erased user is gone and counts nothing.
    mutating func matureTouch(_ timer: UserTimer) {
        let touchedAt = timer.instant - rules.attributionWindow.milliseconds
        guard let touch = touches.mature(slot: timer.slot, campaign: timer.session, at: touchedAt) else { return }
        changes.mark(timer.slot)
        let key = DailyAggregates.CampaignKey(campaign: touch.campaign, variant: touch.variant)
        aggregates.maturities[key, default: .init()].base += 1
        if users.states[Int(timer.slot)].lastSeen > touch.at {
            aggregates.maturities[key, default: .init()].returned += 1
        }
    }

    // MARK: - Close

    /// Closes the open day (its timer at `t_D - 1 ms`, after everything else at that
    /// instant) and writes its record.
    mutating func closeDay() {
        let instant = aggregates.closeInstant!
        let next = aggregates.openDay! + 1
        let record = aggregates.close(
            campaignNames: campaigns, nextEnd: zones.midnight(of: next + 1, zone: reportingZone))
        outputs.append(.metrics(record, closedAt: instant))
    }

    /// Recounts the histograms and tiers from the users after a restore, the open day set.
    mutating func restoreAggregates() {
        guard aggregates.openDay != nil else { return }
        for slot in 0..<users.slotCount where users.isLive(slot) && users.states[slot].hasActivity {
            let u = users.states[slot]
            aggregates.restoreUser(
                firstDay: zones.day(at: u.firstSeen, zone: reportingZone),
                lastDay: zones.day(at: u.lastSeen, zone: reportingZone),
                status: StatusCode(rawValue: u.countedStatus))
        }
    }
}
