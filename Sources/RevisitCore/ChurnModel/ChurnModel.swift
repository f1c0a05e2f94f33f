#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The MBG/NBD churn model of SPEC section 5 with fixed population parameters.
///
/// Time is in days: `x` is the number of repeat visit days (visit days - 1), `tx` the days from
/// the first to the last visit day, `T` the days from the first visit day to "today".
/// Everything is computed through the log-odds of being churned, so extreme histories
/// (hundreds of repeat visits, years of silence) neither overflow nor lose the small risk
/// of a very loyal user to rounding.
public struct ChurnModel: Sendable, Equatable {
    /// The population parameters `r, alpha, a, b`.
    public let parameters: ChurnModelParameters
    /// `log(a)`, kept because every evaluation needs it.
    private let logA: Double

    /// A model with the given population parameters (all expected to be > 0).
    public init(_ parameters: ChurnModelParameters) {
        self.parameters = parameters
        self.logA = log(parameters.a)
    }

    // MARK: - Probability of being alive

    /// `log(P(churned) / P(alive))` for the history `(x, tx, T)`:
    /// `log(a / (b + x)) + (r + x) * log((alpha + T) / (alpha + tx))`.
    ///
    /// Increasing in `T`: the longer the silence, the likelier the user has left.
    public func churnLogOdds(x: Double, tx: Double, T: Double) -> Double {
        let p = parameters
        let base = logA - log(p.b + x)
        // log1p keeps the growth term exact for silences that are short next to alpha + tx.
        let silence = log1p((T - tx) / (p.alpha + tx))
        return base + (p.r + x) * silence
    }

    /// `P(alive | x, tx, T)` under MBG/NBD (SPEC 5), in [0, 1].
    ///
    /// `x` repeat visit days, `tx` days from first to last visit day, `T` days from the first
    /// visit day to the instant described (`T >= tx`).
    public func pAlive(x: Double, tx: Double, T: Double) -> Double {
        Self.logistic(-churnLogOdds(x: x, tx: tx, T: T))
    }

    /// `1 - P(alive)`, computed directly from the log-odds so that small risks keep their
    /// precision instead of being the difference of two numbers close to 1.
    public func churnRisk(x: Double, tx: Double, T: Double) -> Double {
        Self.logistic(churnLogOdds(x: x, tx: tx, T: T))
    }

    // MARK: - Threshold crossing

    /// The smallest `T` (real days since the first visit day, `>= tx`) at which
    /// `churnRisk(x:tx:T:) >= threshold`, for a user whose last visit day is `tx` days after
    /// the first and who has `x` repeat visit days.
    ///
    /// Risk increases in `T`, so the crossing solves
    /// `(a / (b + x)) * ((alpha + T) / (alpha + tx))^(r + x) = threshold / (1 - threshold)`
    /// in closed form: `T = tx + (alpha + tx) * expm1(k / (r + x))` with
    /// `k = logit(threshold) - log(a / (b + x))`.
    ///
    /// Edge cases:
    /// - `threshold <= 0`: every risk qualifies, returns `tx`.
    /// - the risk right after the last visit (`T = tx`) already reaches the threshold
    ///   (a user with few visits under a pessimistic model): returns `tx`.
    /// - `threshold >= 1` or NaN: risk never reaches it, returns `+infinity`.
    /// - a crossing too far away to represent also returns `+infinity`.
    ///
    /// A caller that works in whole days takes `ceil` of the result: the first calendar day
    /// whose `T` is at least the returned value is the first at-risk day.
    public func firstDayRiskAtLeast(_ threshold: Double, x: Double, tx: Double) -> Double {
        guard !threshold.isNaN, threshold < 1 else { return .infinity }
        guard threshold > 0 else { return tx }
        let p = parameters
        let logit = log(threshold) - log1p(-threshold)
        let k = logit - (logA - log(p.b + x))
        guard k > 0 else { return tx }
        let growth = expm1(k / (p.r + x))
        let t = tx + (p.alpha + tx) * growth
        return t.isFinite ? max(t, tx) : .infinity
    }

    // MARK: - Helpers

    /// `1 / (1 + exp(-z))` without overflow for large `|z|`.
    static func logistic(_ z: Double) -> Double {
        if z >= 0 {
            return 1 / (1 + exp(-z))
        }
        let e = exp(z)
        return e / (1 + e)
    }
}
