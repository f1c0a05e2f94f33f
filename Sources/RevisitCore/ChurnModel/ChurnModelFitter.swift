#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of a maximum-likelihood fit of BG/NBD or MBG/NBD.
public struct ChurnFitResult: Sendable, Equatable {
    /// Which model was fitted.
    public var kind: ChurnModelKind
    /// The estimates; `alpha` is in the time unit of the data.
    public var parameters: ChurnModelParameters
    /// The maximised total log-likelihood.
    public var logLikelihood: Double
    /// Simplex iterations over all starts and restarts.
    public var iterations: Int
    /// Likelihood evaluations over all starts and restarts.
    public var evaluations: Int
    /// Whether the best run met its tolerances (rather than its iteration limit).
    public var converged: Bool
    /// Customers in the sample.
    public var customerCount: Int

    /// Whether an estimate ran off towards 0 or infinity (beyond a factor of 10^6 from 1):
    /// the data do not pin the parameters down, typically too few users or no repeat visits,
    /// and the values should not go into a pipeline file.
    public var isDegenerate: Bool {
        let p = parameters
        return [p.r, p.alpha, p.a, p.b].contains { !($0 > 1e-6 && $0 < 1e6) }
    }
}

/// Errors of `ChurnModelFitter`.
public enum ChurnFitError: Error, Equatable, CustomStringConvertible {
    /// No customers to fit.
    case emptySample
    /// A row no model can produce (`tx > T`, negative values, `tx > 0` without repeat visits);
    /// `index` counts from 0 in the input array.
    case inconsistentObservation(index: Int, ChurnObservation)

    public var description: String {
        switch self {
        case .emptySample:
            "no customers to fit the churn model to"
        case let .inconsistentObservation(index, row):
            "row \(index + 1): frequency \(row.x), recency \(row.tx), T \(row.T) is not a possible history "
                + "(needs frequency >= 0, 0 <= recency <= T, and recency 0 when frequency is 0)"
        }
    }
}

/// Maximum-likelihood estimation of `r, alpha, a, b` for BG/NBD or MBG/NBD.
///
/// The search runs on the logs of the parameters (they are positive and span orders of
/// magnitude), with a restarted Nelder-Mead simplex from several starting points; the best
/// optimum wins. The starts differ in the dropout prior (`a, b`), where the likelihood is
/// flattest and a single start most often stops on a ridge.
public struct ChurnModelFitter: Sendable {
    /// Which model to fit.
    public var kind: ChurnModelKind

    public init(kind: ChurnModelKind) {
        self.kind = kind
    }

    /// Fits the model to `observations`.
    public func fit(_ observations: [ChurnObservation]) throws(ChurnFitError) -> ChurnFitResult {
        guard !observations.isEmpty else { throw .emptySample }
        if let index = observations.firstIndex(where: { !$0.isConsistent }) {
            throw .inconsistentObservation(index: index, observations[index])
        }
        let likelihood = ChurnLikelihood(kind: kind, sample: ChurnSample(observations))
        let objective: ([Double]) -> Double = { theta in
            // Beyond e^±25 the parameters are numerically degenerate (no dropout, no spread):
            // refusing them keeps the simplex in the region where the likelihood has shape.
            guard theta.allSatisfy({ abs($0) < 25 }) else { return .infinity }
            return -likelihood.logLikelihood(Self.parameters(theta))
        }

        // Scale alpha from the data: the mean purchase rate r/alpha is about x / T.
        let meanX = observations.reduce(0.0) { $0 + Double($1.x) } / Double(observations.count)
        let meanT = observations.reduce(0.0) { $0 + $1.T } / Double(observations.count)
        let alpha0 = max(meanT / max(meanX, 0.1), 1e-6)
        let starts: [ChurnModelParameters] = [
            ChurnModelParameters(r: 1, alpha: alpha0, a: 1, b: 1),
            ChurnModelParameters(r: 0.5, alpha: alpha0 / 2, a: 0.5, b: 5),
            ChurnModelParameters(r: 2, alpha: alpha0 * 2, a: 2, b: 20),
        ]

        let optimizer = NelderMead()
        var best: NelderMead.Result?
        var iterations = 0
        var evaluations = 0
        for start in starts {
            let run = optimizer.minimizeWithRestarts(objective, from: Self.theta(start))
            iterations += run.iterations
            evaluations += run.evaluations
            if best == nil || run.value < best!.value {
                best = run
            }
        }
        let winner = best!
        return ChurnFitResult(
            kind: kind,
            parameters: Self.parameters(winner.point),
            logLikelihood: -winner.value,
            iterations: iterations,
            evaluations: evaluations,
            converged: winner.converged && winner.value.isFinite,
            customerCount: observations.count
        )
    }

    // MARK: - Parameterisation

    static func theta(_ p: ChurnModelParameters) -> [Double] {
        [log(p.r), log(p.alpha), log(p.a), log(p.b)]
    }

    static func parameters(_ theta: [Double]) -> ChurnModelParameters {
        ChurnModelParameters(r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]))
    }
}
