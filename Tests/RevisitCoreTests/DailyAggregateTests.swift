import Testing
@testable import RevisitCore

/// SPEC 7's daily records, field by field, on inputs small enough to count by hand.
@Suite struct DailyAggregateTests {
    typealias S = TestSupport

    static func records(_ out: [OutputRecord]) -> [DailyMetricsRecord] {
        out.compactMap { if case .metrics(let m, _) = $0 { m } else { nil } }
    }

    /// The record of `date` (YYYY-MM-DD).
    static func record(_ out: [OutputRecord], _ date: String) -> DailyMetricsRecord? {
        records(out).first { $0.date == S.day(date) }
    }

    static func at(_ date: String, _ time: String = "12:00:00") -> Int64 { S.t("\(date)T\(time)Z") }

    static func stage(_ r: DailyMetricsRecord?, _ s: LifecycleStage) -> Int? { r?.stages[Int(s.rawValue)] }
    static func tier(_ r: DailyMetricsRecord?, _ t: Segment) -> Int? { r?.tiers[Int(t.rawValue)] }

    // MARK: - Days

    @Test func recordsStartWithTheFirstActivityAndIncludeDaysWithoutEvents() {
        let out = S.run([
            S.event("x", Self.at("2023-12-30"), type: "campaign_touch", campaign: "c"),
            S.event("y", Self.at("2023-12-31"), type: "forget"),
            S.event("u", Self.at("2024-01-01", "10:00:00")),
            S.event("u", Self.at("2024-01-04", "10:00:00")),
        ])
        let records = Self.records(out)
        // Jan 4 is still open at the end of input (10:00 < its close at 23:59:59.999).
        #expect(records.map(\.date) == [S.day("2024-01-01"), S.day("2024-01-02"), S.day("2024-01-03")])
        let first = records[0]
        #expect(first.partition == 0)
        #expect((first.activeUsers, first.wau, first.mau, first.newUsers) == (1, 1, 1, 1))
        #expect(Self.tier(first, .medium) == 1 && Self.stage(first, .new) == 1)
        #expect(first.retention[0] == .init(base: 0, returned: 0))
        let second = records[1]
        #expect((second.activeUsers, second.wau, second.mau, second.newUsers) == (0, 1, 1, 0))
        #expect(second.retention[0] == .init(base: 1, returned: 0))
        let empty = records[2]
        #expect((empty.activeUsers, empty.newUsers, empty.becameChurned, empty.recalled) == (0, 0, 0, 0))
        #expect(empty.retention[0].base == 0 && empty.campaigns.isEmpty)
        #expect(empty.tiers.reduce(0, +) == 1 && empty.stages.reduce(0, +) == 1)
    }

    @Test func theCloseIsTheLastMillisecondOfTheDayAfterEverythingElse() {
        // An event at 23:59:59.999 still counts on its day; one at midnight on the next.
        let out = S.run([
            S.event("a", Self.at("2024-01-01", "23:59:59.999")),
            S.event("b", Self.at("2024-01-02", "00:00:00")),
            S.event("c", Self.at("2024-01-03", "12:00:00")),
        ])
        #expect(Self.record(out, "2024-01-01")?.activeUsers == 1)
        #expect(Self.record(out, "2024-01-02")?.activeUsers == 1)
        let closes = out.compactMap { if case .metrics(_, let at) = $0 { at } else { nil } }
        #expect(closes == [Self.at("2024-01-01", "23:59:59.999"), Self.at("2024-01-02", "23:59:59.999")])
        // A replay ending exactly at a close instant closes that day too.
        let ending = S.run([S.event("a", Self.at("2024-01-01"))], finish: Self.at("2024-01-02", "23:59:59.999"))
        #expect(Self.records(ending).count == 2)
    }

    // MARK: - Windows

    @Test func activeWeeklyMonthlyAndRevisitWindowBoundaries() {
        // D = 2024-02-20: [D-13, D-7] = Feb 7-13, [D-6, D] = Feb 14-20, [D-29, D] = Jan 22 on.
        let out = S.run([
            S.event("old", Self.at("2024-01-21")),  // D-30: outside mau
            S.event("month", Self.at("2024-01-22")),  // D-29: inside mau only
            S.event("before", Self.at("2024-02-06")),  // D-14: no base
            S.event("a", Self.at("2024-02-07")),  // D-13 ...
            S.event("b", Self.at("2024-02-13")),  // D-7: base, not returned
            S.event("c", Self.at("2024-02-14")),  // D-6 only: not base
            S.event("a", Self.at("2024-02-14")),  // ... and D-6: base and returned
            S.event("d", Self.at("2024-02-20")),
        ], finish: Self.at("2024-02-21"))
        let r = Self.record(out, "2024-02-20")
        #expect(r?.activeUsers == 1)
        #expect(r?.wau == 3)  // a, c, d
        #expect(r?.mau == 6)  // all but old
        #expect(r?.revisit == .init(base: 2, returned: 1))
        #expect(Self.record(out, "2024-02-21") == nil)
    }

    @Test func retentionCohortsOfOneSevenAndThirtyDays() {
        let out = S.run([
            S.event("d30", Self.at("2024-01-01")),
            S.event("d7", Self.at("2024-01-24")),
            S.event("d7b", Self.at("2024-01-24")),
            S.event("d1", Self.at("2024-01-30")),
            S.event("d30", Self.at("2024-01-30")),  // active in between: still in the d30 cohort
            S.event("d30", Self.at("2024-01-31", "08:00:00")),
            S.event("d7", Self.at("2024-01-31", "09:00:00")),
            S.event("d1", Self.at("2024-01-31", "10:00:00")),
            S.event("d1", Self.at("2024-01-31", "11:00:00")),  // a second event the same day counts once
            S.event("fresh", Self.at("2024-01-31", "12:00:00")),
        ], finish: Self.at("2024-02-01"))
        let r = Self.record(out, "2024-01-31")
        #expect(r?.retention == [.init(base: 1, returned: 1), .init(base: 2, returned: 1), .init(base: 1, returned: 1)])
        #expect(r?.newUsers == 1)
        #expect(r?.activeUsers == 4)
    }

    // MARK: - Tiers, stages, churn and recall

    @Test func stagesAlertsAndChurnedAtStart() {
        // Silent from Jan 1: dormant on Jan 31, churned on Mar 31 (2024 is a leap year), back on Apr 5.
        let out = S.run([
            S.event("a", Self.at("2024-01-01")),
            S.event("keep", Self.at("2024-01-01")),
            S.event("keep", Self.at("2024-03-30")),
            S.event("a", Self.at("2024-04-05")),
        ], finish: Self.at("2024-04-06"))
        let jan30 = Self.record(out, "2024-01-30"), jan31 = Self.record(out, "2024-01-31")
        #expect(Self.stage(jan30, .dormant) == 0 && Self.stage(jan31, .dormant) == 2)
        let mar30 = Self.record(out, "2024-03-30"), mar31 = Self.record(out, "2024-03-31")
        #expect(Self.tier(mar30, .low) == 1 && Self.tier(mar30, .churned) == 0)
        #expect(Self.tier(mar31, .churned) == 1 && Self.stage(mar31, .churned) == 1)
        #expect(mar30?.becameChurned == 0 && mar31?.becameChurned == 1)
        #expect(mar31?.churnedAtStart == 0)
        let apr1 = Self.record(out, "2024-04-01")
        #expect(apr1?.churnedAtStart == 1 && apr1?.becameChurned == 0)
        let apr5 = Self.record(out, "2024-04-05")
        #expect(apr5?.recalled == 1 && Self.stage(apr5, .recalled) == 1 && Self.stage(apr5, .churned) == 0)
        #expect(apr5?.churnedAtStart == 1)
        #expect(Self.record(out, "2024-04-04")?.recalled == 0)
        // Every user with a profile is in exactly one tier and one stage.
        for r in Self.records(out) { #expect(r.tiers.reduce(0, +) == 2 && r.stages.reduce(0, +) == 2) }
    }

    @Test func aUserForgottenMidDayLeavesTheCountsButNotItsAlerts() {
        let out = S.run([
            S.event("a", Self.at("2024-02-01")),
            S.event("b", Self.at("2024-02-01")),
            S.event("b", Self.at("2024-02-10")),
            S.event("b", Self.at("2024-02-12", "09:00:00")),
            S.event("b", Self.at("2024-02-12", "15:00:00"), type: "forget"),
            S.event("c", Self.at("2024-02-12", "18:00:00")),
        ], finish: Self.at("2024-02-21"))
        let feb12 = Self.record(out, "2024-02-12")
        #expect(feb12?.activeUsers == 1 && feb12?.newUsers == 1)
        #expect(feb12?.wau == 1 && feb12?.mau == 2)
        #expect(feb12?.tiers.reduce(0, +) == 2 && feb12?.stages.reduce(0, +) == 2)
        #expect(Self.record(out, "2024-02-11")?.mau == 2)
        // Closed before the forget, Feb 11 ([Jan 29, Feb 4]) counts a and b (back on Feb 10); the days after do not
        // count b: Feb 14 ([Feb 1, Feb 7]) only a, Feb 17 ([Feb 4, Feb 10]) nobody, Feb 20
        // ([Feb 7, Feb 13]) only c.
        #expect(Self.record(out, "2024-02-11")?.revisit == .init(base: 2, returned: 1))
        #expect(Self.record(out, "2024-02-14")?.revisit == .init(base: 1, returned: 0))
        #expect(Self.record(out, "2024-02-17")?.revisit == .init(base: 0, returned: 0))
        #expect(Self.record(out, "2024-02-20")?.revisit == .init(base: 1, returned: 0))
        // b back after the forget is a new user with a new first day.
        let again = S.run([
            S.event("b", Self.at("2024-02-01")),
            S.event("b", Self.at("2024-02-12", "09:00:00"), type: "forget"),
            S.event("b", Self.at("2024-02-12", "10:00:00")),
            S.event("b", Self.at("2024-02-13")),
        ], finish: Self.at("2024-02-14"))
        #expect(Self.record(again, "2024-02-12")?.newUsers == 1)
        #expect(Self.record(again, "2024-02-13")?.retention[0] == .init(base: 1, returned: 1))
    }

    @Test func aForgottenUsersChurnAlertStillCounts() {
        let out = S.run([
            S.event("a", Self.at("2024-01-01")),
            S.event("keep", Self.at("2024-03-31", "06:00:00")),
            S.event("a", Self.at("2024-03-31", "07:00:00"), type: "forget"),
        ], finish: Self.at("2024-04-01"))
        let mar31 = Self.record(out, "2024-03-31")
        #expect(mar31?.becameChurned == 1 && Self.stage(mar31, .churned) == 0)
    }

    @Test func duplicatesAreNotActivity() {
        let out = S.run([
            S.event("a", Self.at("2024-01-01"), id: "e1"),
            S.event("a", Self.at("2024-01-01", "23:50:00"), id: "e2"),
            S.event("a", Self.at("2024-01-02", "00:10:00"), id: "e2"),  // same session, same id: ignored
        ], finish: Self.at("2024-01-03"))
        #expect(Self.record(out, "2024-01-02")?.activeUsers == 0)
    }

    // MARK: - Zones

    @Test func daysOfANonUTCReportingZoneAcrossDST() {
        let rules = S.rules { $0.timezone = "America/New_York" }
        // 2024-03-10 has 23 hours in New York, 2024-11-03 has 25.
        let out = S.run([
            S.event("a", S.t("2024-03-09T12:00:00-05:00")),
            S.event("b", S.t("2024-03-10T23:30:00-04:00")),
            S.event("c", S.t("2024-03-11T00:30:00-04:00")),
            S.event("d", S.t("2024-11-03T23:30:00-05:00")),
            S.event("e", S.t("2024-11-04T00:30:00-05:00")),
        ], rules: rules, finish: S.t("2024-11-05T12:00:00-05:00"))
        let closes = Dictionary(uniqueKeysWithValues: out.compactMap { record -> (Int64, Int64)? in
            if case .metrics(let m, let at) = record { (m.date, at) } else { nil }
        })
        #expect(closes[S.day("2024-03-09")] == S.t("2024-03-10T00:00:00-05:00") - 1)
        #expect(closes[S.day("2024-03-10")] == S.t("2024-03-11T00:00:00-04:00") - 1)
        #expect(closes[S.day("2024-11-03")] == S.t("2024-11-04T00:00:00-05:00") - 1)
        #expect(closes[S.day("2024-11-02")] == S.t("2024-11-03T00:00:00-04:00") - 1)
        for (date, active) in [("2024-03-09", 1), ("2024-03-10", 1), ("2024-03-11", 1), ("2024-11-03", 1), ("2024-11-04", 1)] {
            #expect(Self.record(out, date)?.activeUsers == active, "\(date)")
        }
        #expect(Self.records(out).count == S.day("2024-11-04") - S.day("2024-03-09") + 1)
    }

    @Test func perUserZonesDateStagesByTheUserAndCountsByTheReportingZone() {
        let rules = S.rules { $0.perUserTimezone = true }
        // Jan 1 22:00 in Los Angeles is Jan 2 06:00 UTC: visit day Jan 1, reporting day Jan 2.
        let out = S.run([
            S.event("la", S.t("2024-01-02T06:00:00Z"), tz: "America/Los_Angeles"),
            S.event("utc", Self.at("2024-01-02")),
        ], rules: rules, finish: Self.at("2024-02-01"))
        #expect(Self.records(out).first?.date == S.day("2024-01-02"))
        #expect(Self.record(out, "2024-01-02")?.activeUsers == 2)
        // Los Angeles reaches s = 30 at its midnight (08:00 UTC Jan 31), before the close of Jan 31
        // (15:59 there); the UTC user reaches it only on Feb 1.
        #expect(Self.stage(Self.record(out, "2024-01-30"), .dormant) == 0)
        #expect(Self.stage(Self.record(out, "2024-01-31"), .dormant) == 1)
        #expect(Self.record(out, "2024-01-31")?.wau == 0 && Self.record(out, "2024-01-31")?.mau == 2)
    }

    // MARK: - Win-back touches

    @Test func winBackTouchesQualifyMatureAndReturn() {
        let window = RetentionRules().attributionWindow.milliseconds
        let t = Self.at("2024-01-31", "10:00:00")  // 30 days after Jan 1
        let out = S.run([
            S.event("u", Self.at("2024-01-01")), S.event("v", Self.at("2024-01-01")),
            S.event("x", Self.at("2024-01-01")), S.event("y", Self.at("2024-01-01")),
            S.event("z", Self.at("2024-01-01")), S.event("q", Self.at("2024-01-01")),
            S.event("w", Self.at("2024-01-05")),
            S.event("u", t, type: "campaign_touch", campaign: "wb", variant: "sms"),
            S.event("v", t, type: "campaign_touch", campaign: "wb", variant: "control"),
            S.event("w", t, type: "campaign_touch", campaign: "wb", variant: "sms"),  // s = 26: not yet dormant
            S.event("x", t, type: "campaign_touch", campaign: "wb", variant: "sms"),
            S.event("y", t, type: "campaign_touch", campaign: "wb", variant: "sms"),
            S.event("z", t, type: "campaign_touch", campaign: "wb"),
            S.event("q", t, type: "campaign_touch", campaign: "wb", variant: "sms"),
            S.event("q", t),  // at the touch's own instant: not a return
            S.event("nobody", t, type: "campaign_touch", campaign: "wb", variant: "sms"),  // no profile
            S.event("x", t + 2 * S.dayMs, type: "campaign_touch", campaign: "wb", variant: "control"),  // second: ignored
            S.event("y", t + 3 * S.dayMs, type: "forget"),  // drops its pending touch
            S.event("u", t + window),  // exactly at the window's end: returned
            S.event("v", t + window + 1),  // one millisecond after: not
            S.event("w", t + 10 * S.dayMs, type: "campaign_touch", campaign: "wb", variant: "sms"),  // now s = 36
        ], finish: Self.at("2024-02-20"))
        let feb7 = Self.record(out, "2024-02-07")
        #expect(feb7?.campaigns == [
            .init(campaign: "wb", variant: nil, matured: 1, returned: 0),
            .init(campaign: "wb", variant: "control", matured: 1, returned: 0),
            .init(campaign: "wb", variant: "sms", matured: 3, returned: 1),
        ])
        #expect(Self.record(out, "2024-02-17")?.campaigns == [.init(campaign: "wb", variant: "sms", matured: 1, returned: 0)])
        let others = Self.records(out).filter { $0.date != S.day("2024-02-07") && $0.date != S.day("2024-02-17") }
        #expect(others.allSatisfy { $0.campaigns.isEmpty })
    }

    @Test func aTouchMaturesOnTheReportingDateOfItsMaturity() {
        // Matures at Feb 7 23:59:59.999, the instant of the close: it still counts on Feb 7.
        let t = Self.at("2024-01-31", "23:59:59.999")
        let out = S.run([
            S.event("u", Self.at("2024-01-01")),
            S.event("u", t, type: "campaign_touch", campaign: "wb", variant: "a"),
            S.event("u", Self.at("2024-02-07", "23:59:59.999")),
        ], finish: Self.at("2024-02-09"))
        #expect(Self.record(out, "2024-02-07")?.campaigns == [.init(campaign: "wb", variant: "a", matured: 1, returned: 1)])
        #expect(Self.record(out, "2024-02-08")?.campaigns == [])
    }

    // MARK: - Encoding

    @Test func recordLayout() {
        var r = DailyMetricsRecord(date: S.day("2024-03-01"), partition: 3)
        r.activeUsers = 1
        r.tiers = [1, 2, 3, 4]
        r.stages[Int(LifecycleStage.new.rawValue)] = 5
        r.stages[Int(LifecycleStage.recalled.rawValue)] = 6
        r.retention[2] = .init(base: 7, returned: 8)
        r.campaigns = [.init(campaign: "c", variant: nil, matured: 2, returned: 1)]
        let json = String(decoding: OutputEncoder.encode(.metrics(r, closedAt: 0)), as: UTF8.self)
        #expect(json == #"{"date":"2024-03-01","partition":3,"active_users":1,"wau":0,"mau":0,"new_users":0,"tiers":{"high":1,"medium":2,"low":3,"churned":4},"stages":{"new":5,"active":0,"at_risk":0,"dormant":0,"churned":0,"recalled":6},"became_churned":0,"recalled":0,"churned_at_start":0,"revisit":{"base":0,"returned":0},"retention":{"d1":{"cohort":0,"retained":0},"d7":{"cohort":0,"retained":0},"d30":{"cohort":7,"retained":8}},"campaigns":[{"campaign":"c","variant":null,"matured":2,"returned":1}]}"#)
    }
}
