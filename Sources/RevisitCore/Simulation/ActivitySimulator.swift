/// Generates a realistic, reproducible population of user activity for demos, benchmarks and
/// model fitting: the tier mix of a retention program (frequent, monthly and quarterly
/// visitors, users who churn, users won back by a campaign).
///
/// Pure and seeded: the same settings give the same events, byte for byte.
public struct ActivitySimulator: Sendable {
    /// How a simulated user behaves.
    public enum Persona: String, Sendable, CaseIterable {
        /// About three visit days a week.
        case frequent
        /// One or two visit days a month.
        case monthly
        /// About one visit day a quarter.
        case quarterly
        /// Active at first, then silent for good.
        case churning
        /// Active, silent for over three months, then back after a campaign touch.
        case winback
    }

    public var users: Int
    /// Epoch milliseconds of the first simulated day's midnight (UTC).
    public var start: Int64
    public var days: Int
    public var seed: UInt64
    /// Share of events emitted broken (bad JSON, missing fields), to exercise the dead-letter path.
    public var invalidRate: Double

    public init(users: Int, start: Int64 = 1_767_225_600_000, days: Int = 180, seed: UInt64 = 1, invalidRate: Double = 0) {
        self.users = users
        self.start = start
        self.days = days
        self.seed = seed
        self.invalidRate = invalidRate
    }

    /// One generated event: its time and its JSON line (without newline).
    public struct Event: Sendable {
        public var ts: Int64
        public var userID: String
        public var line: String
    }

    /// Per user: persona, visit days (day indexes) and the simulated window's length, for a
    /// summary of the population.
    public struct UserSummary: Sendable {
        public var userID: String
        public var persona: Persona
        public var visitDays: [Int]
    }

    /// Every event of the population, sorted by time (ties by user id), and the per-user summaries.
    public func generate() -> (events: [Event], users: [UserSummary]) {
        var random = SplitMix64(seed: seed)
        var events: [Event] = []
        var summaries: [UserSummary] = []
        let dayMs: Int64 = 86_400_000
        for index in 0..<users {
            let userID = "u\(index)"
            let persona = Self.persona(for: random.nextOpenUnit())
            let firstDay = Int(random.nextOpenUnit() * Double(days) * 0.4)
            var visitDays: [Int] = []
            var touchDay: Int?
            switch persona {
            case .frequent: visitDays = daysWithProbability(0.45, from: firstDay, to: days, random: &random)
            case .monthly: visitDays = daysWithProbability(0.05, from: firstDay, to: days, random: &random)
            case .quarterly: visitDays = daysWithProbability(0.012, from: firstDay, to: days, random: &random)
            case .churning:
                let stop = firstDay + 10 + Int(random.nextOpenUnit() * 40)
                visitDays = daysWithProbability(0.35, from: firstDay, to: min(stop, days), random: &random)
            case .winback:
                let first = min(firstDay, 20)
                let stop = first + 14
                let back = stop + 95 + Int(random.nextOpenUnit() * 20)
                visitDays = daysWithProbability(0.4, from: first, to: stop, random: &random)
                if back < days {
                    touchDay = back - 1 - Int(random.nextOpenUnit() * 5)
                    visitDays += [back] + daysWithProbability(0.3, from: back + 1, to: days, random: &random)
                }
            }
            if visitDays.isEmpty { visitDays = [firstDay] }
            visitDays.sort()
            summaries.append(UserSummary(userID: userID, persona: persona, visitDays: visitDays))

            var sequence = 0
            if let touchDay {
                let variant = random.nextOpenUnit() < 0.2 ? "control" : "treatment"
                let ts = start + Int64(touchDay) * dayMs + 36_000_000
                events.append(Event(ts: ts, userID: userID, line: #"{"event_id":"\#(userID)-\#(sequence)","user_id":"\#(userID)","type":"campaign_touch","ts":\#(ts),"campaign":"winback-sms","variant":"\#(variant)"}"#))
                sequence += 1
            }
            for (position, day) in visitDays.enumerated() {
                let sessions = 1 + Int(random.nextOpenUnit() * 2.2)
                for _ in 0..<sessions {
                    var ts = start + Int64(day) * dayMs + Int64(random.nextOpenUnit() * 0.9 * Double(dayMs))
                    let count = 1 + Int(random.nextOpenUnit() * 7)
                    for eventIndex in 0..<count {
                        let type = position == 0 && eventIndex == 0 && sequence == 0 ? "signup" : Self.activityType(random.nextOpenUnit())
                        var line = #"{"event_id":"\#(userID)-\#(sequence)","user_id":"\#(userID)","type":"\#(type)","ts":\#(ts),"channel":"\#(Self.channel(random.nextOpenUnit()))""#
                        if type == "purchase" { line += #","revenue":\#(5 + Int(random.nextOpenUnit() * 95)).\#(Int(random.nextOpenUnit() * 99))"# }
                        line += "}"
                        if invalidRate > 0, random.nextOpenUnit() < invalidRate { line = Self.broken(line, random.nextOpenUnit()) }
                        events.append(Event(ts: ts, userID: userID, line: line))
                        sequence += 1
                        ts += 5_000 + Int64(random.nextOpenUnit() * 240_000)
                    }
                }
            }
        }
        events.sort { ($0.ts, $0.userID) < ($1.ts, $1.userID) }
        return (events, summaries)
    }

    // MARK: - Distributions

    private static func persona(for draw: Double) -> Persona {
        switch draw {
        case ..<0.25: .frequent
        case ..<0.55: .monthly
        case ..<0.75: .quarterly
        case ..<0.92: .churning
        default: .winback
        }
    }

    private func daysWithProbability(_ p: Double, from first: Int, to end: Int, random: inout SplitMix64) -> [Int] {
        guard first < end else { return [] }
        return (first..<end).filter { _ in random.nextOpenUnit() < p }
    }

    private static func activityType(_ draw: Double) -> String {
        switch draw {
        case ..<0.55: "page_view"
        case ..<0.75: "click"
        case ..<0.82: "like"
        case ..<0.87: "comment"
        case ..<0.90: "share"
        case ..<0.95: "login"
        default: "purchase"
        }
    }

    private static func channel(_ draw: Double) -> String {
        draw < 0.6 ? "app" : draw < 0.9 ? "web" : "mini_program"
    }

    private static func broken(_ line: String, _ draw: Double) -> String {
        switch draw {
        case ..<0.3: String(line.dropLast())
        case ..<0.6: line.replacingFirst(#""type":"#, with: #""kind":"#)
        default: line.replacingFirst(#""ts":"#, with: #""ts":"yesterday","old_ts":"#)
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
