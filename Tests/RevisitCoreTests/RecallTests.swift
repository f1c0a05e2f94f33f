import Testing
@testable import RevisitCore

@Suite struct RecallTests {
    typealias S = TestSupport
    let start = S.t("2024-01-01T12:00:00Z")

    func run(returnAfter days: Int64, touchBefore: Int64? = nil, variant: String? = nil) -> [OutputRecord] {
        let back = start + days * S.dayMs
        var lines = [S.event("u", start)]
        if let touchBefore {
            lines.append(S.event("u", back - touchBefore, type: "campaign_touch", campaign: "winback", variant: variant))
        }
        lines.append(S.event("u", back))
        return S.run(lines)
    }

    @Test func returnAfterEightyNineDaysIsNotARecall() {
        let out = run(returnAfter: 89)
        #expect(S.alerts(out, .recalled).isEmpty)
        #expect(S.finalProfile(out, "u")?.recallsTotal == 0)
    }

    @Test func returnAfterNinetyDaysIsARecall() {
        let out = run(returnAfter: 90)
        let alert = S.alerts(out, .recalled).first
        #expect(alert?.at == start + 90 * S.dayMs)
        #expect(alert?.details.daysAbsent == 90)
        #expect(alert?.details.campaign == nil)
        #expect(alert?.lifecycle == .recalled)
        let p = S.finalProfile(out, "u")
        #expect(p?.recallsTotal == 1)
        #expect(p?.lifecycle == .recalled)
    }

    @Test func attributionWindowEdges() {
        let window = RetentionRules().attributionWindow.milliseconds
        let inside = S.alerts(run(returnAfter: 100, touchBefore: window, variant: "sms_a"), .recalled).first
        #expect(inside?.details.campaign == "winback")
        #expect(inside?.details.variant == "sms_a")
        let outside = S.alerts(run(returnAfter: 100, touchBefore: window + 1), .recalled).first
        #expect(outside?.details.campaign == nil)
        #expect(outside?.details.daysAbsent == 100)
    }

    @Test func controlVariantIsCarried() {
        let alert = S.alerts(run(returnAfter: 95, touchBefore: S.hour, variant: "control"), .recalled).first
        #expect(alert?.details.variant == "control")
        let p = S.finalProfile(run(returnAfter: 95, touchBefore: S.hour, variant: "control"), "u")
        #expect(p?.lastCampaign == "winback")
    }

    @Test func recalledStageLastsTheRecallWindow() {
        let lines = [S.event("u", start), S.event("u", start + 90 * S.dayMs)]
        let within = S.finalProfile(S.run(lines, finish: start + 119 * S.dayMs), "u")
        let after = S.finalProfile(S.run(lines, finish: start + 120 * S.dayMs), "u")
        #expect(within?.lifecycle == .recalled)
        #expect(after?.lifecycle != .recalled)
    }
}
