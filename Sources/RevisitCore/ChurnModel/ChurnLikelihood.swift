#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The log-likelihood of BG/NBD or MBG/NBD parameters given a sample of customers.
///
/// Both models have closed-form individual likelihoods made of Beta and Gamma functions
/// (no hypergeometric function is needed for `(x, t_x, T)` data), written here in the form
/// of Fader, Hardie & Lee (2005), eq. 6, and Batislam, Denizel & Filiztekin (2007):
///
/// BG/NBD:  `L = B(a, b+x)/B(a,b) * G + [x > 0] * B(a+1, b+x-1)/B(a,b) * G'`
/// MBG/NBD: `L = B(a, b+x+1)/B(a,b) * G + B(a+1, b+x)/B(a,b) * G'`
///
/// with `G = Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))` and `G'` the same with `t_x` for `T`.
/// The sums are taken in log space (log-sum-exp) so that long, busy histories stay finite.
public struct ChurnLikelihood: Sendable {
    /// Which model's likelihood.
    public let kind: ChurnModelKind
    /// The customers, grouped.
    public let sample: ChurnSample

    public init(kind: ChurnModelKind, sample: ChurnSample) {
        self.kind = kind
        self.sample = sample
    }

    public init(kind: ChurnModelKind, observations: [ChurnObservation]) {
        self.init(kind: kind, sample: ChurnSample(observations))
    }

    // MARK: - Evaluation

    /// The total log-likelihood of the sample, or `-infinity` for parameters outside the
    /// model (any of them not finite and > 0).
    public func logLikelihood(_ parameters: ChurnModelParameters) -> Double {
        let (r, alpha, a, b) = (parameters.r, parameters.alpha, parameters.a, parameters.b)
        for value in [r, alpha, a, b] where !(value.isFinite && value > 0) {
            return -.infinity
        }
        // Terms that depend on x only: computed once per distinct x.
        let shift: Double = kind == .mbgnbd ? 1 : 0
        let logAlpha = log(alpha)
        let commonBeta = logGamma(a + b) - logGamma(b)
        let lgammaR = logGamma(r)
        var constant = [Double](repeating: 0, count: sample.distinctX.count)
        var logSecond = [Double](repeating: 0, count: sample.distinctX.count)
        for (i, xInt) in sample.distinctX.enumerated() {
            let x = Double(xInt)
            let a1 = logGamma(r + x) - lgammaR + r * logAlpha
            let a2 = commonBeta + logGamma(b + x + shift) - logGamma(a + b + x + shift)
            constant[i] = a1 + a2
            // log of B(a+1, b+x-1+shift) / B(a, b+x+shift) = log(a / (b + x - 1 + shift)).
            let denominator = b + x - 1 + shift
            logSecond[i] = denominator > 0 ? log(a) - log(denominator) : -.infinity
        }

        var total = 0.0
        let rows = sample.rows
        let counts = sample.counts
        let xIndex = sample.xIndex
        for i in rows.indices {
            let row = rows[i]
            let x = Double(row.x)
            let logAgeTerm = -(r + x) * log(alpha + row.T)
            var value = constant[xIndex[i]] + logAgeTerm
            if kind == .mbgnbd || row.x > 0 {
                // Second term relative to the first: its log-ratio is the churn log-odds of
                // SPEC 5 for MBG/NBD, so log(1 + e^d) is a softplus.
                let d = logSecond[xIndex[i]] + (r + x) * log1p((row.T - row.tx) / (alpha + row.tx))
                value += Self.softplus(d)
            }
            total += counts[i] * value
        }
        return total.isNaN ? -.infinity : total
    }

    /// The log-likelihood of one customer.
    public func logLikelihood(_ parameters: ChurnModelParameters, of observation: ChurnObservation) -> Double {
        ChurnLikelihood(kind: kind, observations: [observation]).logLikelihood(parameters)
    }

    /// `log(1 + e^d)` without overflow.
    static func softplus(_ d: Double) -> Double {
        d > 0 ? d + log1p(exp(-d)) : log1p(exp(d))
    }
}

/// `log Γ(x)`; the explicit result type picks the C function over the overlay that also
/// returns the sign.
private func logGamma(_ x: Double) -> Double {
    let value: Double = lgamma(x)
    return value
}
