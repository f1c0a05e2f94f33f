#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Draws customers from the BG/NBD or MBG/NBD generative process with known parameters,
/// deterministically from a seed: ground truth for checking that a fit recovers them.
///
/// Each customer gets a visit rate `λ ~ Gamma(r, rate alpha)` and a dropout probability
/// `p ~ Beta(a, b)`; while alive, visits form a Poisson process of rate `λ`; after each
/// repeat visit (BG/NBD), or after every visit including the first (MBG/NBD), the customer
/// leaves with probability `p`. The first visit is at time 0 and observation ends at `T`.
public struct ChurnSimulator: Sendable {
    public var kind: ChurnModelKind
    public var parameters: ChurnModelParameters
    private var random: SplitMix64

    public init(kind: ChurnModelKind, parameters: ChurnModelParameters, seed: UInt64) {
        self.kind = kind
        self.parameters = parameters
        self.random = SplitMix64(seed: seed)
    }

    // MARK: - Customers

    /// `count` customers whose ages are uniform in `ages`, with continuous times.
    public mutating func observations(count: Int, ages: ClosedRange<Double>) -> [ChurnObservation] {
        (0..<count).map { _ in
            let age = ages.lowerBound + (ages.upperBound - ages.lowerBound) * random.nextOpenUnit()
            return observation(age: age)
        }
    }

    /// One customer observed for `age` time units after the first visit.
    public mutating func observation(age: Double) -> ChurnObservation {
        let rate = gamma(shape: parameters.r) / parameters.alpha
        let dropout = beta(parameters.a, parameters.b)
        if kind == .mbgnbd && random.nextOpenUnit() < dropout {
            return ChurnObservation(x: 0, tx: 0, T: age)
        }
        var x = 0
        var last = 0.0
        var now = 0.0
        while true {
            now += -log(random.nextOpenUnit()) / rate
            guard now <= age else { break }
            x += 1
            last = now
            if random.nextOpenUnit() < dropout { break }
        }
        return ChurnObservation(x: x, tx: last, T: age)
    }

    // MARK: - Distributions

    /// Standard normal by the polar method.
    mutating func normal() -> Double {
        while true {
            let u = 2 * random.nextOpenUnit() - 1
            let v = 2 * random.nextOpenUnit() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * log(s) / s).squareRoot()
            }
        }
    }

    /// Gamma(shape, scale 1) by Marsaglia & Tsang (2000); shapes below 1 use the boost
    /// `Gamma(k) = Gamma(k + 1) * U^(1/k)`.
    mutating func gamma(shape: Double) -> Double {
        if shape < 1 {
            return gamma(shape: shape + 1) * pow(random.nextOpenUnit(), 1 / shape)
        }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var z: Double
            var v: Double
            repeat {
                z = normal()
                v = 1 + c * z
            } while v <= 0
            v = v * v * v
            let u = random.nextOpenUnit()
            if u < 1 - 0.0331 * z * z * z * z { return d * v }
            if log(u) < 0.5 * z * z + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b) as a ratio of gammas.
    mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a)
        let y = gamma(shape: b)
        return x / (x + y)
    }
}
