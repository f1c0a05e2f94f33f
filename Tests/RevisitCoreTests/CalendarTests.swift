import Testing
@testable import RevisitCore

@Suite struct CalendarTests {
    typealias S = TestSupport

    @Test func civilRoundTrip() {
        for day in stride(from: Int64(-800_000), to: 800_000, by: 997) {
            let (y, m, d) = CivilDate.civil(day)
            #expect(CivilDate.dayNumber(year: y, month: m, day: d) == day)
        }
        #expect(S.day("2000-03-01") == 11_017)
    }

    @Test func newYorkMidnightsAroundDST() {
        var zone = ZoneOffsetTable(identifier: "America/New_York", zone: .init(identifier: "America/New_York"))
        #expect(zone.midnight(of: S.day("2024-03-10")) == S.t("2024-03-10T05:00:00Z"))
        #expect(zone.midnight(of: S.day("2024-03-11")) == S.t("2024-03-11T04:00:00Z"))
        #expect(zone.midnight(of: S.day("2024-11-03")) == S.t("2024-11-03T04:00:00Z"))
        #expect(zone.midnight(of: S.day("2024-11-04")) == S.t("2024-11-04T05:00:00Z"))
        #expect(zone.offset(at: S.t("2024-03-10T06:59:59.999Z")) == -5 * S.hour)
        #expect(zone.offset(at: S.t("2024-03-10T07:00:00Z")) == -4 * S.hour)
        #expect(zone.day(at: S.t("2024-11-04T04:59:59.999Z")) == S.day("2024-11-03"))
    }

    @Test func midnightSkippedByDSTStartsAtTheTransition() {
        // Havana springs forward at 00:00 local: 2024-03-10 begins at 01:00 CDT.
        var zone = ZoneOffsetTable(identifier: "America/Havana", zone: .init(identifier: "America/Havana"))
        #expect(zone.midnight(of: S.day("2024-03-10")) == S.t("2024-03-10T05:00:00Z"))
    }

    @Test func perUserZoneDatesVisitsLocally() {
        let rules = S.rules { $0.perUserTimezone = true }
        // 01:30 EST and 23:30 EDT on the spring-forward day: one local date.
        let lines = [
            S.event("u", S.t("2024-03-10T06:30:00Z"), tz: "America/New_York"),
            S.event("u", S.t("2024-03-11T03:30:00Z"), tz: "America/New_York"),
        ]
        let local = S.finalProfile(S.run(lines, rules: rules), "u")
        #expect(local?.visitDaysTotal == 1)
        #expect(local?.asOf == S.day("2024-03-10"))
        let utc = S.finalProfile(S.run(lines), "u")
        #expect(utc?.visitDaysTotal == 2)
    }

    @Test func dayTimersFireAtLocalMidnightAcrossFallBack() {
        let rules = S.rules { $0.perUserTimezone = true }
        let lines = [S.event("u", S.t("2024-10-05T16:00:00Z"), tz: "America/New_York")]
        let out = S.run(lines, rules: rules, finish: S.t("2024-12-01T00:00:00Z"))
        // 30 days after 2024-10-05 is 2024-11-04, after the fall-back: EST midnight.
        #expect(S.alerts(out, .dormant).first?.at == S.t("2024-11-04T05:00:00Z"))
        // The streak drop on 2024-10-07 is at EDT midnight.
        #expect(S.profiles(out).contains { $0.cause == .dayChange && $0.instant == S.t("2024-10-07T04:00:00Z") })
    }

    @Test func pipelineZoneIsUsedWithoutPerUserZones() {
        let rules = S.rules { $0.timezone = "Asia/Shanghai" }
        let lines = [S.event("u", S.t("2024-01-01T15:59:59Z")), S.event("u", S.t("2024-01-01T16:00:00Z"))]
        #expect(S.finalProfile(S.run(lines, rules: rules), "u")?.visitDaysTotal == 2)
        #expect(S.finalProfile(S.run(lines), "u")?.visitDaysTotal == 1)
    }
}
