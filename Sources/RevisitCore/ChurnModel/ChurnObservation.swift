/// One customer's summary for fitting a churn model: the `(x, t_x, T)` of BG/NBD and MBG/NBD.
///
/// All times are in days from the first visit day (any unit works for a fit as long as it is
/// the same for every row; `alpha` then comes out in that unit).
public struct ChurnObservation: Sendable, Hashable {
    /// Repeat visits (`frequency`): visit days - 1.
    public var x: Int
    /// Time from the first to the last visit (`recency`, `t_x`), `0 ... T`.
    public var tx: Double
    /// Time from the first visit to the end of observation (age, `T`).
    public var T: Double

    public init(x: Int, tx: Double, T: Double) {
        self.x = x
        self.tx = tx
        self.T = T
    }

    /// Whether the row is a history the models can have produced: `x >= 0`,
    /// `0 <= tx <= T`, finite, and `tx = 0` when there is no repeat visit.
    public var isConsistent: Bool {
        x >= 0 && tx.isFinite && T.isFinite && tx >= 0 && tx <= T && (x > 0 || tx == 0)
    }
}

/// Observations grouped by identical `(x, tx, T)`, so a likelihood evaluation costs one term
/// per distinct history instead of one per customer (real data in whole days repeats a lot).
public struct ChurnSample: Sendable, Equatable {
    /// Distinct histories, in a deterministic order (by x, then tx, then T).
    public let rows: [ChurnObservation]
    /// How many customers share each row.
    public let counts: [Double]
    /// The distinct repeat counts, ascending, and for each row the index of its `x` there:
    /// the gamma-function terms depend on `x` only and are computed once per distinct `x`.
    let distinctX: [Int]
    let xIndex: [Int]

    /// Groups `observations`; the caller has checked them (`isConsistent`).
    public init(_ observations: [ChurnObservation]) {
        var grouped: [ChurnObservation: Int] = [:]
        for observation in observations {
            grouped[observation, default: 0] += 1
        }
        let sorted = grouped.sorted { lhs, rhs in
            let (l, r) = (lhs.key, rhs.key)
            if l.x != r.x { return l.x < r.x }
            if l.tx != r.tx { return l.tx < r.tx }
            return l.T < r.T
        }
        rows = sorted.map(\.key)
        counts = sorted.map { Double($0.value) }
        distinctX = Array(Set(rows.map(\.x))).sorted()
        let position = Dictionary(uniqueKeysWithValues: distinctX.enumerated().map { ($1, $0) })
        xIndex = rows.map { position[$0.x]! }
    }

    /// The number of customers.
    public var customerCount: Int { Int(counts.reduce(0, +)) }
}
