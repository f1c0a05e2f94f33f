import Foundation
import Testing
@testable import RevisitCore

/// Likelihoods, maximum-likelihood fits and their input readers (SPEC 5, `revisit fit`).
@Suite struct ChurnFitTests {
    // MARK: - Likelihood

    /// The individual likelihoods written with Beta functions, straight from the papers,
    /// without logs: only valid for small x, which is what it is used on.
    func directLikelihood(_ kind: ChurnModelKind, _ p: ChurnModelParameters, _ o: ChurnObservation) -> Double {
        func beta(_ u: Double, _ v: Double) -> Double { tgamma(u) * tgamma(v) / tgamma(u + v) }
        let x = Double(o.x)
        let g = tgamma(p.r + x) * pow(p.alpha, p.r) / tgamma(p.r)
        let first = g / pow(p.alpha + o.T, p.r + x)
        let second = g / pow(p.alpha + o.tx, p.r + x)
        switch kind {
        case .bgnbd:
            let dropout = o.x > 0 ? beta(p.a + 1, p.b + x - 1) / beta(p.a, p.b) * second : 0
            return beta(p.a, p.b + x) / beta(p.a, p.b) * first + dropout
        case .mbgnbd:
            return beta(p.a, p.b + x + 1) / beta(p.a, p.b) * first + beta(p.a + 1, p.b + x) / beta(p.a, p.b) * second
        }
    }

    @Test(arguments: ChurnModelKind.allCases)
    func likelihoodMatchesTheClosedForm(kind: ChurnModelKind) {
        let parameters = ChurnModelParameters(r: 0.6, alpha: 3.2, a: 0.9, b: 2.7)
        let rows = [
            ChurnObservation(x: 0, tx: 0, T: 12), ChurnObservation(x: 1, tx: 4, T: 30),
            ChurnObservation(x: 3, tx: 9.5, T: 9.5), ChurnObservation(x: 7, tx: 20, T: 61),
        ]
        let likelihood = ChurnLikelihood(kind: kind, observations: rows + rows + [rows[3]])
        var expected = 0.0
        for row in rows + rows + [rows[3]] {
            let single = log(directLikelihood(kind, parameters, row))
            #expect(abs(likelihood.logLikelihood(parameters, of: row) - single) < 1e-10)
            expected += single
        }
        #expect(abs(likelihood.logLikelihood(parameters) - expected) < 1e-9)
        #expect(likelihood.logLikelihood(ChurnModelParameters(r: 0, alpha: 1, a: 1, b: 1)) == -.infinity)
    }

    @Test func likelihoodsDifferOnlyWhereTheModelsDo() {
        // With no dropout prior mass (a tiny, b huge) both models are the NBD model.
        let p = ChurnModelParameters(r: 0.8, alpha: 5, a: 1e-8, b: 1e8)
        let rows = [ChurnObservation(x: 0, tx: 0, T: 40), ChurnObservation(x: 4, tx: 25, T: 40)]
        let bg = ChurnLikelihood(kind: .bgnbd, observations: rows).logLikelihood(p)
        let mbg = ChurnLikelihood(kind: .mbgnbd, observations: rows).logLikelihood(p)
        #expect(abs(bg - mbg) < 1e-6)
    }

    // MARK: - Recovery

    // Truth: a mean visit rate r / alpha = 0.1 a day and a mean dropout chance of
    // a / (a + b) = 0.125 per visit, ages from 30 days to a year.
    static let truth = ChurnModelParameters(r: 0.5, alpha: 5, a: 0.8, b: 5.6)

    @Test(arguments: ChurnModelKind.allCases)
    func fitRecoversSimulatedParameters(kind: ChurnModelKind) throws {
        var simulator = ChurnSimulator(kind: kind, parameters: Self.truth, seed: 20_240_607)
        let sample = simulator.observations(count: 8_000, ages: 30...365)
        let fit = try ChurnModelFitter(kind: kind).fit(sample)
        let likelihood = ChurnLikelihood(kind: kind, observations: sample)

        #expect(fit.converged && !fit.isDegenerate)
        #expect(fit.customerCount == 8_000)
        // The maximum can be no worse than the truth: a check on the optimiser alone.
        #expect(fit.logLikelihood >= likelihood.logLikelihood(Self.truth) - 1e-6)
        #expect(abs(fit.logLikelihood - likelihood.logLikelihood(fit.parameters)) < 1e-6)

        // Sampling error, not the optimiser, bounds the recovery. Over 20 seeds at n = 8,000
        // (`revisit bench fit`), the relative standard deviation of the estimates was 2.0% for r,
        // 2.5-2.9% for alpha, 4.7-5.2% for a and 6.8-7.2% for b (a and b are pinned less
        // well than their ratio). The bounds are 4 to 6 of those standard deviations, so a
        // sound fit essentially never fails them, while a wrong likelihood does: BG/NBD
        // fitted to this MBG/NBD sample gives r = 0.37 (-27%), and the reverse r = 0.70 (+40%).
        let p = fit.parameters
        #expect(abs(p.r / Self.truth.r - 1) < 0.12, "r \(p.r)")
        #expect(abs(p.alpha / Self.truth.alpha - 1) < 0.12, "alpha \(p.alpha)")
        #expect(abs(p.a / Self.truth.a - 1) < 0.3, "a \(p.a)")
        #expect(abs(p.b / Self.truth.b - 1) < 0.3, "b \(p.b)")
    }

    @Test func fitFlagsDataThatDoNotDetermineTheParameters() throws {
        // Nobody came back: BG/NBD cannot tell slow visitors from no dropout at all.
        let silent = [10.0, 20, 30].map { ChurnObservation(x: 0, tx: 0, T: $0) }
        let fit = try ChurnModelFitter(kind: .bgnbd).fit(silent)
        #expect(fit.isDegenerate)
        #expect(fit.logLikelihood.isFinite)
    }

    @Test func fitRejectsImpossibleRows() {
        #expect(throws: ChurnFitError.emptySample) { try ChurnModelFitter(kind: .mbgnbd).fit([]) }
        let bad = [ChurnObservation(x: 1, tx: 3, T: 5), ChurnObservation(x: 2, tx: 9, T: 5)]
        #expect(throws: ChurnFitError.inconsistentObservation(index: 1, bad[1])) {
            try ChurnModelFitter(kind: .bgnbd).fit(bad)
        }
    }
}

// MARK: - Input readers

extension ChurnFitTests {
    @Test func summaryCSVFindsColumnsByName() throws {
        let text = "\u{FEFF}user, \"T\" ,monetary_value,recency,frequency\r\n"
            + "u1,10.5,3.2,4.0,2\r\n"
            + "\r\n"
            + "\"u,2\",7,0,0,0\r\n"
            + "u3, 21 ,\"1,5\",21,\"5.0\""
        let rows = try SummaryCSVReader().read(text)
        #expect(rows == [
            ChurnObservation(x: 2, tx: 4, T: 10.5), ChurnObservation(x: 0, tx: 0, T: 7),
            ChurnObservation(x: 5, tx: 21, T: 21),
        ])
        let weeks = try SummaryCSVReader(timeUnitDays: 7).read("frequency,recency,t\n1,2,3\n")
        #expect(weeks == [ChurnObservation(x: 1, tx: 14, T: 21)])
    }

    @Test func summaryCSVErrorsNameTheLineAndColumn() {
        func failure(_ text: String) -> ChurnDataError? {
            do {
                _ = try SummaryCSVReader().read(text)
                return nil
            } catch {
                return error
            }
        }
        let header = "frequency,recency,T\n"
        #expect(failure("") == .empty(what: "the CSV"))
        #expect(failure(header) == .empty(what: "the CSV"))
        #expect(failure("frequency,T\n1,2\n") == .missingColumn(name: "recency", header: ["frequency", "T"]))
        #expect(failure(header + "1,2,3\n\n1.5,2,3\n")
            == .badValue(line: 4, column: "frequency", value: "1.5", expected: "a whole number >= 0"))
        #expect(failure(header + "1,x,3\n") == .badValue(line: 2, column: "recency", value: "x", expected: "a number >= 0"))
        #expect(failure(header + "1,2,-3\n") == .badValue(line: 2, column: "T", value: "-3", expected: "a number >= 0"))
        #expect(failure(header + "1,2\n") == .missingValue(line: 2, column: "T"))
        #expect(failure(header + "1,5,3\n") == .inconsistentRow(line: 2, detail: "recency 5 is after T 3"))
        #expect(failure(header + "0,1,3\n") == .inconsistentRow(line: 2, detail: "recency 1 with frequency 0 (must be 0)"))
        #expect(failure(header + "1,2,3\n\"2,3,4\n") == .unterminatedQuote(line: 3))
        #expect(failure(header + "1,2,3\n2,nan,4\n")?.description == "line 3: recency \"nan\" is not a number >= 0")
    }

    @Test func profileExportKeepsEachUsersLatestRecord() throws {
        let text = """
            {"user_id":"b","as_of":"2024-03-10","first_visit_day":"2024-03-01","last_visit_day":"2024-03-05","visit_days_total":3}
            {"user_id":"a","as_of":"2024-03-10","first_visit_day":"2024-02-28","last_visit_day":"2024-03-01","visit_days_total":2,"segment":"low"}

            {"user_id":"b","as_of":"2024-03-09","first_visit_day":"2024-03-01","last_visit_day":"2024-03-05","visit_days_total":4}
            {"user_id":"c","as_of":"2024-03-10","first_visit_day":"2024-03-10","last_visit_day":"2024-03-10","visit_days_total":1}
            {"user_id":"c","tombstone":true}
            {"user_id":"d","as_of":"2024-03-10","first_visit_day":"2024-01-01","last_visit_day":"2024-01-01","visit_days_total":1}
            {"user_id":"e","as_of":"2024-03-10","first_visit_day":null,"last_visit_day":null,"visit_days_total":0}
            """
        let rows = try ProfileJSONLReader().read(text)
        // a: 2024 is a leap year, so 02-28 to 03-01 is 2 days; b keeps its as_of 03-10 record.
        #expect(rows == [
            ChurnObservation(x: 1, tx: 2, T: 11), ChurnObservation(x: 2, tx: 4, T: 9),
            ChurnObservation(x: 0, tx: 0, T: 69),
        ])
    }

    @Test func profileExportErrorsNameTheLine() {
        func failure(_ text: String) -> ChurnDataError? {
            do {
                _ = try ProfileJSONLReader().read(text)
                return nil
            } catch {
                return error
            }
        }
        let good = #"{"user_id":"a","as_of":"2024-03-10","first_visit_day":"2024-03-01","last_visit_day":"2024-03-05","visit_days_total":3}"#
        #expect(failure(good + "\n[1,2]\n") == .notJSONObject(line: 2))
        #expect(failure(good + "\n{\"as_of\":\"2024-03-10\"}\n") == .missingField(line: 2, field: "user_id"))
        #expect(failure(#"{"user_id":"a","as_of":"2024-02-30","first_visit_day":"2024-02-01","last_visit_day":"2024-02-02","visit_days_total":2}"#)
            == .badValue(line: 1, column: "as_of", value: "2024-02-30", expected: "a date YYYY-MM-DD"))
        #expect(failure(#"{"user_id":"a","as_of":"2024-03-10","first_visit_day":"2024-03-01","last_visit_day":"2024-03-01","visit_days_total":2.5}"#)
            == .badValue(line: 1, column: "visit_days_total", value: "2.5", expected: "a whole number >= 0"))
        #expect(failure(#"{"user_id":"a","as_of":"2024-03-10","first_visit_day":"2024-03-01","last_visit_day":"2024-03-01","visit_days_total":2}"#)
            == .inconsistentRow(line: 1, detail: "visit_days_total 2 does not fit the first and last visit days"))
        #expect(failure(#"{"user_id":"a","tombstone":true}"#) == .empty(what: "the profile file"))
    }
}
