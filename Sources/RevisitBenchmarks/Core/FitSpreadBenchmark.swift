import Foundation
import RevisitCore

/// `revisit bench fit`: how far `revisit fit`'s estimates fall from the parameters that
/// generated the data, over many simulated samples: the sampling spread behind the
/// tolerances of the fit's tests, and the time one fit takes.
///
/// Each seed simulates ``customers`` customers of known parameters (``truth``) with ages of
/// 30 to 365 days and fits the same model to them; per parameter it reports the mean
/// relative error (the estimator's bias) and its standard deviation over the seeds.
public struct FitSpreadBenchmark: Sendable {
    /// The parameters the samples are drawn from (those of the fit's tests).
    public static let truth = ChurnModelParameters(r: 0.5, alpha: 5, a: 0.8, b: 5.6)

    /// Simulated samples per model.
    public var seeds = 20
    /// Customers per sample.
    public var customers = 8_000

    public init() {}

    /// The spread of one parameter's relative error over the seeds.
    public struct Spread: Sendable {
        public var parameter: String
        public var meanRelativeError: Double
        public var standardDeviation: Double
        public var largest: Double
    }

    /// Fits every seed's sample with `kind` and returns the spread per parameter and the
    /// mean seconds per fit.
    public func measure(_ kind: ChurnModelKind) throws -> (spreads: [Spread], secondsPerFit: Double) {
        var errors: [[Double]] = []
        var seconds = 0.0
        for seed in 1...max(2, seeds) {
            var simulator = ChurnSimulator(kind: kind, parameters: Self.truth, seed: UInt64(seed) * 7_919)
            let sample = simulator.observations(count: customers, ages: 30...365)
            let started = Date()
            let p = try ChurnModelFitter(kind: kind).fit(sample).parameters
            seconds += Date().timeIntervalSince(started)
            let truth = Self.truth
            errors.append([p.r / truth.r - 1, p.alpha / truth.alpha - 1, p.a / truth.a - 1, p.b / truth.b - 1])
        }
        let spreads = ["r", "alpha", "a", "b"].enumerated().map { j, name in
            let values = errors.map { $0[j] }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            return Spread(
                parameter: name, meanRelativeError: mean, standardDeviation: variance.squareRoot(),
                largest: values.map(abs).max() ?? 0)
        }
        return (spreads, seconds / Double(errors.count))
    }

    /// Measures both models and prints a line per model and parameter.
    public func run() throws {
        print("fit spread: \(seeds) samples of \(customers) customers per model, truth r=\(Self.truth.r) alpha=\(Self.truth.alpha) a=\(Self.truth.a) b=\(Self.truth.b)")
        for kind in ChurnModelKind.allCases {
            let (spreads, secondsPerFit) = try measure(kind)
            for spread in spreads {
                print(String(
                    format: "%@ %@: mean relative error %+.2f%%, standard deviation %.2f%%, largest %.2f%%",
                    kind.displayName, spread.parameter, spread.meanRelativeError * 100, spread.standardDeviation * 100,
                    spread.largest * 100))
            }
            print(String(format: "%@: %.3f s per fit", kind.displayName, secondsPerFit))
        }
    }
}
