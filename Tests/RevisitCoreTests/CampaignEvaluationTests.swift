import Testing
@testable import RevisitCore

/// Win-back campaigns over a range of days: sums, rates, uplift over control and the pooled
/// two-proportion z-test (SPEC 7, `revisit metrics --campaigns`).
@Suite struct CampaignEvaluationTests {
    typealias Outcome = DailyMetricsRecord.CampaignOutcome

    func test(_ x1: Int, _ n1: Int, _ x2: Int, _ n2: Int) -> (z: Double, pValue: Double)? {
        CampaignEvaluation.pooledTwoProportionZTest(successes: x1, trials: n1, controlSuccesses: x2, controlTrials: n2)
    }

    // MARK: - The z-test

    /// Stat Trek, "Hypothesis Test: Difference Between Proportions", problem 1
    /// (https://stattrek.com/hypothesis-test/difference-in-proportions): 38 of 100 women and
    /// 102 of 200 men caught a cold; pooled p = 0.467, SE = 0.061, z = -2.13, and the two-tailed
    /// P-value 0.034 (each tail read from a table as 0.017, hence the loose bound).
    @Test func publishedWorkedExample() throws {
        let result = try #require(test(38, 100, 102, 200))
        #expect(abs(result.z - -2.13) < 0.005)
        #expect(abs(result.pValue - 0.034) < 0.001)
    }

    /// Expected values from SciPy 1.x: `z` computed with the pooled formula, then
    /// `p = 2 * scipy.stats.norm.sf(abs(z))`, e.g. for the first row
    /// `p=(38+102)/300; z=(0.38-0.51)/math.sqrt(p*(1-p)*(1/100+1/200)); 2*norm.sf(abs(z))`.
    @Test(arguments: [
        (38, 100, 102, 200, -2.127624429800926, 0.03336823505701056),
        (3, 5, 1, 3, 0.7302967433402215, 0.4652088184521417),
        (120, 1000, 100, 1000, 1.4293008498232314, 0.1529177818639462),
        (45, 500, 30, 500, 1.8009006755629924, 0.07171853650843411),
        (112, 560, 56, 560, 4.686233489032049, 2.782787792290108e-06),
        (600, 2000, 400, 2000, 7.302967433402213, 2.81489334175041e-13),
    ])
    func matchesSciPy(x1: Int, n1: Int, x2: Int, n2: Int, z: Double, p: Double) throws {
        let result = try #require(test(x1, n1, x2, n2))
        #expect(abs(result.z - z) <= 1e-12 * abs(z))
        #expect(abs(result.pValue - p) <= 1e-9 * p)
    }

    @Test func symmetricEmptyAndDegenerateGroups() throws {
        let forward = try #require(test(30, 200, 20, 150))
        let backward = try #require(test(20, 150, 30, 200))
        #expect(forward.z == -backward.z)
        #expect(forward.pValue == backward.pValue)
        #expect(test(0, 0, 3, 10) == nil)
        #expect(test(3, 10, 0, 0) == nil)
        // Nobody, or everybody, returned in both groups: the rates are equal.
        let none = try #require(test(0, 10, 0, 20))
        #expect(none.z == 0 && none.pValue == 1)
        let all = try #require(test(10, 10, 20, 20))
        #expect(all.z == 0 && all.pValue == 1)
    }

    // MARK: - Evaluation

    @Test func sumsOverDaysAndComparesWithTheControl() throws {
        let evaluation = CampaignEvaluation(outcomes: [
            Outcome(campaign: "winback", variant: "sms", matured: 300, returned: 60),
            Outcome(campaign: "winback", variant: "control", matured: 300, returned: 30),
            Outcome(campaign: "winback", variant: "sms", matured: 260, returned: 52),
            Outcome(campaign: "winback", variant: "control", matured: 260, returned: 26),
            Outcome(campaign: "winback", variant: nil, matured: 4, returned: 1),
            Outcome(campaign: "promo", variant: "push", matured: 10, returned: 2),
            Outcome(campaign: "promo", variant: "mail", matured: 0, returned: 0),
        ])
        #expect(evaluation.entries.map { "\($0.campaign)/\($0.variant ?? "-")" }
            == ["promo/mail", "promo/push", "winback/-", "winback/control", "winback/sms"])
        let sms = evaluation.entries[4]
        #expect(sms.matured == 560 && sms.returned == 112)
        #expect(sms.rate == 0.2)
        #expect(abs(sms.uplift! - 0.1) < 1e-12)
        #expect(abs(sms.pValue! - 2.782787792290108e-06) <= 1e-9 * 2.782787792290108e-06)  // SciPy, as above
        #expect(evaluation.entries[3].comparison == .control)
        #expect(evaluation.entries[3].uplift == nil)
        if case .measured = evaluation.entries[2].comparison {} else { Issue.record("a missing variant is compared with control") }
        #expect(evaluation.entries[1].comparison == .noControl)
        #expect(evaluation.entries[0].comparison == .noControl)
        #expect(evaluation.entries[0].rate == nil)
    }

    @Test func anEmptyGroupHasNoComparison() {
        let evaluation = CampaignEvaluation(outcomes: [
            Outcome(campaign: "c", variant: "control", matured: 0, returned: 0),
            Outcome(campaign: "c", variant: "v", matured: 5, returned: 1),
        ])
        #expect(evaluation.entries[1].comparison == .emptyGroup)
        #expect(evaluation.entries[1].pValue == nil)
    }

    @Test func jsonAndCSV() {
        let evaluation = CampaignEvaluation(outcomes: [
            Outcome(campaign: "winback", variant: "control", matured: 3, returned: 1),
            Outcome(campaign: "winback", variant: "sms", matured: 5, returned: 3),
            Outcome(campaign: "spring, \"50%\"", variant: nil, matured: 2, returned: 0),
        ])
        #expect(evaluation.jsonLines() == """
            {"campaign":"spring, \\"50%\\"","variant":null,"matured":2,"returned":0,"rate":0}
            {"campaign":"winback","variant":"control","matured":3,"returned":1,"rate":0.333333}
            {"campaign":"winback","variant":"sms","matured":5,"returned":3,"rate":0.6,"uplift":0.266667,"p_value":0.4652088184521416}

            """)
        #expect(evaluation.csv() == """
            campaign,variant,matured,returned,rate,uplift,p_value
            "spring, ""50%\""",,2,0,0,,
            winback,control,3,1,0.333333,,
            winback,sms,5,3,0.6,0.266667,0.4652088184521416

            """)
    }
}
