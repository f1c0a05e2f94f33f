import Testing
@testable import RevisitCore

@Suite struct SegmentLifecycleTests {
    typealias S = TestSupport
    let start = S.t("2024-01-01T12:00:00Z")

    /// The final profile after visits on `days` (offsets from 2024-01-01), as of `asOf` days later at noon.
    func profile(_ days: [Int], asOf: Int) -> ProfileRecord? {
        let lines = days.map { S.event("u", start + Int64($0) * S.dayMs) }
        return S.finalProfile(S.run(lines, finish: start + Int64(asOf) * S.dayMs), "u")
    }

    @Test func highNeedsTwelveVisitDaysInTwentyEight() {
        let twelve = Array(stride(from: 0, to: 24, by: 2))  // 12 days
        #expect(profile(twelve, asOf: 27)?.segment == .high)
        #expect(profile(Array(twelve.dropFirst()), asOf: 27)?.segment == .medium)
        // The oldest of the twelve leaves the 28-day window on day 28.
        #expect(profile(twelve, asOf: 28)?.segment == .medium)
    }

    @Test func mediumLowChurnedBoundaries() {
        #expect(profile([0], asOf: 29)?.segment == .medium)
        #expect(profile([0], asOf: 30)?.segment == .low)
        #expect(profile([0], asOf: 89)?.segment == .low)
        #expect(profile([0], asOf: 90)?.segment == .churned)
    }

    @Test func lifecycleBoundaries() {
        #expect(profile([0], asOf: 6)?.lifecycle == .new)
        #expect(profile([0], asOf: 7)?.lifecycle == .active)
        #expect(profile([0], asOf: 29)?.lifecycle == .active)
        #expect(profile([0], asOf: 30)?.lifecycle == .dormant)
        #expect(profile([0], asOf: 89)?.lifecycle == .dormant)
        #expect(profile([0], asOf: 90)?.lifecycle == .churned)
    }

    @Test func dormantAndChurnedAlertsOncePerSilence() {
        let out = S.run([S.event("u", start)], finish: start + 200 * S.dayMs)
        let dormant = S.alerts(out, .dormant)
        let churned = S.alerts(out, .churned)
        #expect(dormant.map(\.at) == [S.t("2024-01-31T00:00:00Z")])
        #expect(churned.map(\.at) == [S.t("2024-03-31T00:00:00Z")])
        #expect(dormant.first?.details.daysSinceLastVisit == 30)
        #expect(churned.first?.lifecycle == .churned)
        // Tier and lifecycle changes are profiles at those midnights.
        let instants = S.profiles(out).filter { $0.cause == .dayChange }.map(\.instant)
        #expect(instants.contains(S.t("2024-01-31T00:00:00Z")))
        #expect(instants.contains(S.t("2024-01-08T00:00:00Z")))  // new -> active
    }

    @Test func atRiskAfterARegularUserGoesQuiet() {
        let days = Array(0..<21)
        let model = ChurnModel(RetentionRules().churnModel)
        let firstRisky = (21..<200).first { d in model.churnRisk(x: 20, tx: 20, T: Double(d)) >= 0.7 }!
        #expect(profile(days, asOf: firstRisky)?.lifecycle == .atRisk)
        #expect(profile(days, asOf: firstRisky - 1)?.lifecycle == .active)
    }
}
