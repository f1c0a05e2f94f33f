import Testing
@testable import RevisitCore

@Suite struct RiskAlertTests {
    typealias S = TestSupport
    let start = S.t("2024-01-01T12:00:00Z")
    let model = ChurnModel(RetentionRules().churnModel)

    func daily(_ days: Range<Int>, offset: Int = 0) -> [[UInt8]] {
        days.map { S.event("u", start + Int64($0 + offset) * S.dayMs) }
    }

    @Test func riskCrossingRaisesAtTheExactMidnight() {
        let firstRisky = (21..<200).first { model.churnRisk(x: 20, tx: 20, T: Double($0)) >= 0.7 }!
        let out = S.run(daily(0..<21), finish: start + 60 * S.dayMs)
        let alerts = S.alerts(out, .churnRiskHigh)
        #expect(alerts.count == 1)
        #expect(alerts.first?.at == S.t("2024-01-01T00:00:00Z") + Int64(firstRisky) * S.dayMs)
        #expect(alerts.first.map { $0.churnRisk >= 0.7 } == true)
        #expect(alerts.first?.lifecycle == .atRisk)
    }

    @Test func bandChangesEmitProfiles() {
        let out = S.run(daily(0..<21), finish: start + 60 * S.dayMs)
        let risks = S.profiles(out).filter { $0.cause == .dayChange }.map(\.churnRisk)
        #expect(risks.contains { $0 >= 0.3 && $0 < 0.7 })
        #expect(risks.contains { $0 >= 0.7 })
    }

    func riskAlerts(cooldownDays: Int64) -> [AlertRecord] {
        let firstRisky = (21..<200).first { model.churnRisk(x: 20, tx: 20, T: Double($0)) >= 0.7 }!
        // Back one day after the first crossing, then quiet again: a second crossing follows.
        var lines = daily(0..<21)
        lines.append(S.event("u", start + Int64(firstRisky) * S.dayMs))
        let rules = S.rules { $0.riskAlertCooldown = .days(cooldownDays) }
        return S.alerts(S.run(lines, rules: rules, finish: start + 120 * S.dayMs), .churnRiskHigh)
    }

    @Test func cooldownSuppressesASecondCrossing() {
        let long = riskAlerts(cooldownDays: 30)
        let short = riskAlerts(cooldownDays: 1)
        #expect(long.count == 1)
        #expect(short.count == 2)
        let spacing = (short.last!.at - short.first!.at) / S.dayMs
        #expect(riskAlerts(cooldownDays: spacing + 1).count == 1)
        #expect(riskAlerts(cooldownDays: spacing).count == 2)
    }
}

@Suite struct StatusEvaluatorTests {
    @Test func logOddsMatchTheChurnModel() {
        let rules = RetentionRules()
        let evaluator = StatusEvaluator(rules: rules)
        let model = ChurnModel(rules.churnModel)
        // 1,024 repeat visit days is the first count past the precomputed base terms.
        for visits in [1, 2, 5, 40, 120, 1_024, 1_025, 1_026, 5_000] {
            var u = UserState()
            u.firstVisitDay = 19_000
            u.lastVisitDay = Int32(19_000 + visits * 2)
            u.visitDaysTotal = UInt32(visits)
            let k = evaluator.terms(u)
            for day in stride(from: Int64(u.lastVisitDay), to: Int64(u.lastVisitDay) + 400, by: 7) {
                let expected = model.churnLogOdds(x: Double(visits - 1), tx: Double(visits * 2), T: Double(day - 19_000))
                #expect(abs(evaluator.logOdds(k, day: day) - expected) < 1e-9)
                let risk = StatusEvaluator.probabilities(expected).risk
                #expect(abs(risk - model.churnRisk(x: Double(visits - 1), tx: Double(visits * 2), T: Double(day - 19_000))) < 1e-12)
            }
        }
    }
}
