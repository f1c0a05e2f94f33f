import Testing
@testable import RevisitCore

@Suite struct SessionTests {
    typealias S = TestSupport
    let t0 = S.t("2024-01-10T10:00:00Z")
    let gap = RetentionRules().sessionGap.milliseconds

    @Test func gapEqualToSessionGapContinues() {
        let out = S.run([S.event("u", t0), S.event("u", t0 + gap)], finish: t0 + 5 * S.hour)
        let sessions = S.sessions(out)
        #expect(sessions.count == 1)
        #expect(sessions.first?.events == 2)
        #expect(sessions.first?.durationMilliseconds == gap)
        #expect(sessions.first?.closedAt == t0 + 2 * gap)
    }

    @Test func oneMillisecondMoreSplits() {
        let out = S.run([S.event("u", t0), S.event("u", t0 + gap + 1)], finish: t0 + 5 * S.hour)
        let sessions = S.sessions(out)
        #expect(sessions.map(\.events) == [1, 1])
        #expect(sessions.first?.closedAt == t0 + gap)
    }

    @Test func closeEmitsSessionThenProfileAtTheTimerInstant() {
        let out = S.run([S.event("u", t0, revenue: 2.5), S.event("u", t0 + 60_000, revenue: 0.25)], finish: t0 + 5 * S.hour)
        guard case .session(let s) = out.first, case .profile(let p) = out.dropFirst().first else {
            Issue.record("unexpected \(out)")
            return
        }
        #expect(s.revenue == 2.75)
        #expect(p.instant == t0 + 60_000 + gap)
        #expect(p.cause == .sessionClosed)
        #expect(p.sessionsTotal == 1)
        #expect(p.lastSession == SessionSummary(start: t0, end: t0 + 60_000, events: 2))
    }

    @Test func openSessionCountsAtEndOfInput() {
        let out = S.run([S.event("u", t0), S.event("u", t0 + 1000)])
        #expect(S.sessions(out).isEmpty)
        let p = S.finalProfile(out, "u")
        #expect(p?.sessionsTotal == 1)
        #expect(p?.lastSession.events == 2)
        #expect(p?.averageSessionMilliseconds == 1000)
    }

    @Test func sessionAcrossMidnightCountsTwoVisitDays() {
        let late = S.t("2024-01-10T23:50:00Z")
        let out = S.run([S.event("u", late), S.event("u", late + 20 * 60_000)], finish: late + 3 * S.hour)
        #expect(S.sessions(out).count == 1)
        let p = S.finalProfile(out, "u")
        #expect(p?.visitDaysTotal == 2)
        #expect(p?.currentStreak == 2)
    }

    @Test func duplicateInTheCurrentSessionIsIgnored() {
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        let lines = [
            S.event("u", t0, id: "a"), S.event("u", t0 + 1000, id: "a"),
            S.event("u", t0 + 2 * gap, id: "a"),  // a new session: applied
        ]
        for (i, l) in lines.enumerated() { p.process(value: l, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(i))) }
        p.finish(at: t0 + 2 * gap)
        let out = p.takeOutputs()
        #expect(p.counters.duplicates == 1)
        #expect(S.finalProfile(out, "u")?.eventsTotal == 2)
    }

    @Test func forgetDropsTheOpenSessionAndEmitsATombstone() {
        let out = S.run([
            S.event("u", t0), S.event("u", t0 + 1000, type: "forget"), S.event("v", t0 + 2000),
        ], finish: t0 + 5 * S.hour)
        #expect(S.sessions(out).allSatisfy { $0.userID != "u" })
        #expect(out.contains(.tombstone(userID: "u", at: t0 + 1000)))
        #expect(S.profiles(out).allSatisfy { $0.userID != "u" })
    }

    @Test func userReturningAfterForgetStartsFresh() {
        let out = S.run([
            S.event("u", t0, revenue: 5), S.event("u", t0 + 1000, type: "forget"), S.event("u", t0 + 2 * S.dayMs),
        ])
        let p = S.finalProfile(out, "u")
        #expect(p?.eventsTotal == 1)
        #expect(p?.revenueTotal == 0)
        #expect(p?.firstSeen == t0 + 2 * S.dayMs)
    }

    @Test func campaignTouchOnlyUserHasNoProfile() {
        let out = S.run([S.event("u", t0, type: "campaign_touch", campaign: "spring")], finish: t0 + 100 * S.dayMs)
        #expect(S.profiles(out).isEmpty)
        #expect(out.isEmpty)
    }
}
