import Foundation
import Testing
@testable import RevisitCore

/// P(alive), churn risk and the risk-crossing solver of SPEC 5.
@Suite struct ChurnModelTests {
    let model = ChurnModel(ChurnModelParameters(r: 0.75, alpha: 2.5, a: 0.6, b: 6.0))

    // MARK: - Formula

    @Test func pAliveMatchesHandComputedValues() {
        // x = 0, T = t_x: 1 / (1 + a / b) = 1 / 1.1, the MBG/NBD chance of leaving at once.
        #expect(abs(model.pAlive(x: 0, tx: 0, T: 0) - 1 / 1.1) < 1e-15)
        // 1 / (1 + (0.6 / 8) * (22.5 / 12.5)^2.75) = 0.725886982443934
        #expect(abs(model.pAlive(x: 2, tx: 10, T: 20) - 0.7258869824439343) < 1e-14)
        // 1 / (1 + 0.1 * (32.5 / 2.5)^0.75) = 0.593601273574804
        #expect(abs(model.pAlive(x: 0, tx: 0, T: 30) - 0.5936012735748044) < 1e-14)
        // A busy user silent for 80 days: 1 / (1 + (0.6 / 26) * (182.5 / 102.5)^20.75)
        #expect(abs(model.pAlive(x: 20, tx: 100, T: 180) - 0.00027416921622512363) < 1e-17)
        let other = ChurnModel(ChurnModelParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426))
        #expect(abs(other.pAlive(x: 5, tx: 30, T: 39) - 0.7347531046275284) < 1e-14)
    }

    @Test func churnRiskIsTheComplement() {
        for (x, tx, t) in [(0.0, 0.0, 5.0), (3, 12, 40), (50, 300, 301), (1, 1, 1_000)] {
            let sum = model.pAlive(x: x, tx: tx, T: t) + model.churnRisk(x: x, tx: tx, T: t)
            #expect(abs(sum - 1) < 1e-15)
        }
    }

    @Test func extremeHistoriesStayFiniteAndInRange() {
        // (alpha + T)^(r + x) overflows a Double here; the log form does not.
        let busy = model.pAlive(x: 5_000, tx: 3_000, T: 3_650)
        #expect(busy >= 0 && busy < 1e-300 || busy == 0)
        let risk = model.churnRisk(x: 5_000, tx: 3_650, T: 3_650)
        #expect(risk > 0 && risk < 1e-3)
        #expect(model.pAlive(x: 0, tx: 0, T: 1e9) >= 0)
    }

    @Test func pAliveDecreasesWithSilence() {
        for (x, tx) in [(0.0, 0.0), (1, 3), (10, 60), (100, 400)] {
            var previous = model.pAlive(x: x, tx: tx, T: tx)
            var t = tx
            while t < tx + 400 {
                t += 0.5
                let current = model.pAlive(x: x, tx: tx, T: t)
                #expect(current < previous || (current == previous && current == 0))
                previous = current
            }
        }
    }

    // MARK: - Crossing

    /// Smallest T with risk >= threshold, by bisection on the monotone risk.
    func bisect(_ threshold: Double, x: Double, tx: Double) -> Double {
        if model.churnRisk(x: x, tx: tx, T: tx) >= threshold { return tx }
        var low = tx
        var high = tx + 1
        while model.churnRisk(x: x, tx: tx, T: high) < threshold { high = tx + (high - tx) * 2 }
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if model.churnRisk(x: x, tx: tx, T: mid) >= threshold { high = mid } else { low = mid }
        }
        return high
    }

    @Test func crossingAgreesWithBisection() {
        for threshold in [0.05, 0.3, 0.5, 0.7, 0.9, 0.999] {
            for (x, tx) in [(0.0, 0.0), (1, 2), (4, 20), (12, 50), (60, 200), (300, 900)] {
                let closed = model.firstDayRiskAtLeast(threshold, x: x, tx: tx)
                let reference = bisect(threshold, x: x, tx: tx)
                #expect(abs(closed - reference) <= 1e-9 * max(1, reference), "x \(x) tx \(tx) thr \(threshold)")
                #expect(closed >= tx)
                #expect(model.churnRisk(x: x, tx: tx, T: closed * (1 + 1e-12) + 1e-12) >= threshold)
            }
        }
    }

    @Test func crossingEdgeCases() {
        #expect(model.firstDayRiskAtLeast(0, x: 3, tx: 10) == 10)
        #expect(model.firstDayRiskAtLeast(-1, x: 3, tx: 10) == 10)
        #expect(model.firstDayRiskAtLeast(1, x: 3, tx: 10) == .infinity)
        #expect(model.firstDayRiskAtLeast(.nan, x: 3, tx: 10) == .infinity)
        // Risk right after the first visit is a / (a + b) = 0.0909...: a lower threshold
        // is already reached at T = t_x.
        #expect(model.firstDayRiskAtLeast(0.09, x: 0, tx: 0) == 0)
        #expect(model.firstDayRiskAtLeast(0.1, x: 0, tx: 0) > 0)
        // A pessimistic model: risk starts above 0.7 for a one-visit user.
        let gloomy = ChurnModel(ChurnModelParameters(r: 1, alpha: 1, a: 30, b: 1))
        #expect(gloomy.firstDayRiskAtLeast(0.7, x: 0, tx: 5) == 5)
    }
}
