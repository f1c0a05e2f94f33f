import Testing
@testable import RevisitCore

@Suite struct StreakTests {
    typealias S = TestSupport
    let day0 = S.t("2024-02-01T09:00:00Z")

    func visits(_ days: [Int], extraPerDay: Int = 0) -> [[UInt8]] {
        days.flatMap { d in
            (0...extraPerDay).map { k in S.event("u", day0 + Int64(d) * S.dayMs + Int64(k) * 3 * S.hour) }
        }
    }

    @Test func milestoneRaisedOnceAtFirstEventOfTheDay() {
        let out = S.run(visits([0, 1, 2], extraPerDay: 2))
        let alerts = S.alerts(out, .streakMilestone)
        #expect(alerts.count == 1)
        #expect(alerts.first?.at == day0 + 2 * S.dayMs)
        #expect(alerts.first?.details.streak == 3)
        #expect(alerts.first?.currentStreak == 3)
    }

    @Test func milestonesAtEachValue() {
        let out = S.run(visits(Array(0..<7)))
        #expect(S.alerts(out, .streakMilestone).compactMap(\.details.streak) == [3, 5, 7])
    }

    @Test func breakResetsAndANewRunRaisesAgain() {
        let out = S.run(visits([0, 1, 2, 4, 5, 6]))
        #expect(S.alerts(out, .streakMilestone).compactMap(\.details.streak) == [3, 3])
        let p = S.finalProfile(out, "u")
        #expect(p?.currentStreak == 3)
        #expect(p?.longestStreak == 3)
    }

    @Test func streakHoldsYesterdayAndDropsTheDayAfter() {
        let last = day0 + S.dayMs
        let yesterday = S.run(visits([0, 1]), finish: S.t("2024-02-03T23:59:59.999Z"))
        #expect(S.finalProfile(yesterday, "u")?.currentStreak == 2)
        let dropped = S.run(visits([0, 1]), finish: S.t("2024-02-04T00:00:00Z"))
        #expect(S.finalProfile(dropped, "u")?.currentStreak == 0)
        // The drop itself is a profile at the midnight it happens.
        let drop = S.profiles(dropped).first { $0.cause == .dayChange && $0.currentStreak == 0 }
        #expect(drop?.instant == S.t("2024-02-04T00:00:00Z"))
        #expect(last < drop!.instant)
    }
}
