#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Computes statuses from user state and plans the next date at which one can change,
/// in closed form, so that silent users are never polled day by day (SPEC 2.2).
///
/// Churn risk is the MBG/NBD model of `ChurnModel`, evaluated through its log-odds
/// `z = log(a / (b + x)) + (r + x) * log1p((T - tx) / (alpha + tx))` with the per-user terms
/// hoisted. Every threshold decision (bands, `at_risk`, alerts, planned crossings) compares
/// `z` with `logit(level)`, so status and planning always agree to the last bit.
struct StatusEvaluator: Sendable {
    let rules: RetentionRules
    private let parameters: ChurnModelParameters
    private let logA: Double
    /// `logit` of the sorted `risk_bands`.
    private let bandLogits: [Double]
    private let thresholdLogit: Double
    /// `logit` of every level whose crossing changes an output (bands and threshold).
    private let levelLogits: [Double]
    /// `log(a / (b + x))` for the repeat visit days `x` most users have, computed once: it
    /// is needed at every evaluation.
    private let baseByRepeatDays: [Double]

    init(rules: RetentionRules) {
        self.rules = rules
        self.parameters = rules.churnModel
        let logA = log(rules.churnModel.a)
        self.logA = logA
        self.baseByRepeatDays = (0..<Self.tabulatedRepeatDays).map {
            Self.baseTerm(logA: logA, b: rules.churnModel.b, repeatDays: Double($0))
        }
        self.bandLogits = rules.riskBands.sorted().map(Self.logit)
        self.thresholdLogit = Self.logit(rules.riskThreshold)
        self.levelLogits = Array(Set(rules.riskBands + [rules.riskThreshold])).sorted().map(Self.logit)
    }

    static func logit(_ p: Double) -> Double { log(p) - log1p(-p) }

    /// Repeat visit days with a precomputed base term (about three years of daily visits).
    private static let tabulatedRepeatDays = 1_024

    /// `log(a / (b + x))`, the part of the log-odds that only the repeat visit days `x` move.
    @inline(__always)
    private static func baseTerm(logA: Double, b: Double, repeatDays x: Double) -> Double { logA - log(b + x) }

    // MARK: - Churn risk

    /// The day-independent terms of a user's log-odds.
    struct RiskTerms {
        var base: Double
        var slope: Double
        var scale: Double
        var tx: Double
        var first: Int64
        var last: Int64
    }

    func terms(_ u: UserState) -> RiskTerms {
        let first = Int64(u.firstVisitDay), last = Int64(u.lastVisitDay)
        let repeatDays = max(0, Int(u.visitDaysTotal) - 1)
        let x = Double(repeatDays)
        let tx = Double(max(0, last - first))
        let base = repeatDays < baseByRepeatDays.count
            ? baseByRepeatDays[repeatDays] : Self.baseTerm(logA: logA, b: parameters.b, repeatDays: x)
        return RiskTerms(
            base: base, slope: parameters.r + x, scale: parameters.alpha + tx,
            tx: tx, first: first, last: last)
    }

    /// `log(P(churned) / P(alive))` on `day`, increasing in `day`.
    @inline(__always)
    func logOdds(_ k: RiskTerms, day: Int64) -> Double {
        let t = max(Double(max(day, k.last) - k.first), k.tx)
        return k.base + k.slope * log1p((t - k.tx) / k.scale)
    }

    /// `(P(alive), churn_risk)` of log-odds `z`, each computed without cancellation.
    @inline(__always)
    static func probabilities(_ z: Double) -> (pAlive: Double, risk: Double) {
        let e = exp(-abs(z))
        let big = 1 / (1 + e), small = e / (1 + e)
        return z >= 0 ? (small, big) : (big, small)
    }

    // MARK: - Status

    func status(_ u: UserState, day: Int64) -> DayStatus {
        status(u, terms(u), day: day)
    }

    func status(_ u: UserState, _ k: RiskTerms, day: Int64) -> DayStatus {
        let last = Int64(u.lastVisitDay), first = Int64(u.firstVisitDay)
        let silence = max(0, day - last)
        let streak = last >= day - 1 ? Int(u.streakRun) : 0
        let segment: Segment
        if u.visitDays(window: rules.highWindowDays, endingAt: day) >= rules.highMinVisitDays {
            segment = .high
        } else if u.visitDays(window: rules.mediumWindowDays, endingAt: day) >= 1 {
            segment = .medium
        } else if u.visitDays(window: rules.lowWindowDays, endingAt: day) >= 1 {
            segment = .low
        } else {
            segment = .churned
        }
        let z = logOdds(k, day: day)
        let (pAlive, churnRisk) = Self.probabilities(z)
        let lifecycle: LifecycleStage
        if silence >= Int64(rules.churnAfterDays) {
            lifecycle = .churned
        } else if silence >= Int64(rules.dormantAfterDays) {
            lifecycle = .dormant
        } else if u.lastReturnDay != .min, day - Int64(u.lastReturnDay) < Int64(rules.recallWindowDays) {
            lifecycle = .recalled
        } else if day - first < Int64(rules.newUserDays) {
            lifecycle = .new
        } else if z >= thresholdLogit {
            lifecycle = .atRisk
        } else {
            lifecycle = .active
        }
        var band = 0
        for boundary in bandLogits where z >= boundary { band += 1 }
        return DayStatus(
            currentStreak: streak, segment: segment, lifecycle: lifecycle,
            pAlive: pAlive, churnRisk: churnRisk, riskBand: band)
    }

    /// Whether the risk on `day` is at least `risk_threshold` (the alert's condition).
    func isAtRiskLevel(_ k: RiskTerms, day: Int64) -> Bool { logOdds(k, day: day) >= thresholdLogit }

    // MARK: - Planning

    /// The first date after `today` at which the status, an alert condition, or a profile
    /// trigger can change without new events; nil when none ever will.
    func nextChangeDay(_ u: UserState, after today: Int64) -> Int64? {
        var best = Int64.max
        func consider(_ day: Int64) {
            if day > today && day < best { best = day }
        }
        let last = Int64(u.lastVisitDay), first = Int64(u.firstVisitDay)
        consider(last + 2)
        consider(last + Int64(rules.dormantAfterDays))
        consider(last + Int64(rules.churnAfterDays))
        consider(last + Int64(rules.mediumWindowDays))
        consider(last + Int64(rules.lowWindowDays))
        if rules.highMinVisitDays > 0, let offset = u.recentVisitOffset(rules.highMinVisitDays) {
            consider(last - Int64(offset) + Int64(rules.highWindowDays))
        }
        if u.lastReturnDay != .min { consider(Int64(u.lastReturnDay) + Int64(rules.recallWindowDays)) }
        consider(first + Int64(rules.newUserDays))
        let k = terms(u)
        let zToday = logOdds(k, day: today)
        for level in levelLogits where zToday < level {
            if let day = crossingDay(k, level: level, after: today, limit: best) { consider(day) }
        }
        return best == .max ? nil : best
    }

    /// The first date after `today` whose log-odds reach `level` (known to be above today's):
    /// solved in closed form, then settled with `logOdds` itself. Dates not before `limit`
    /// are of no interest and give nil.
    private func crossingDay(_ k: RiskTerms, level: Double, after today: Int64, limit: Int64) -> Int64? {
        guard level.isFinite else { return nil }
        let t = k.tx + k.scale * expm1((level - k.base) / k.slope)
        guard t.isFinite, t < 10_000_000 else { return nil }
        var day = max(k.first + Int64(ceil(t)), today + 1)
        if day - 1 >= limit { return nil }
        var steps = 0
        while logOdds(k, day: day) < level {
            day += 1
            steps += 1
            if steps > 4 { return nil }
        }
        while day - 1 > today && logOdds(k, day: day - 1) >= level { day -= 1 }
        return day
    }
}
