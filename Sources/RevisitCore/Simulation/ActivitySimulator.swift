/// Generates a realistic, reproducible population of user activity for demos, benchmarks and
/// model fitting: the tier mix of a retention program (frequent, monthly and quarterly
/// visitors, users who churn, users who come back after months) and a win-back campaign run
/// as an A/B test (see ``Campaign``).
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
        /// Active at first, then silent for good (unless the campaign brings them back).
        case churning
        /// Active for two weeks, silent for over three months, then back.
        case winback
    }

    /// A simulated win-back campaign, run as an A/B test.
    ///
    /// It runs from two thirds into the simulated window until `attributionDays + 1` days before
    /// its end, so that every touch matures inside the window. On each of those days it
    /// reaches, at 10:00-11:00 UTC, every reachable user (a seeded share `reach` of the users,
    /// e.g. those who left a phone number) who has visited before and whose last visit day is
    /// at least `dormantAfterDays` days back (dormant or churned: SPEC 7's qualifying touch),
    /// once per user. A seeded coin puts the user in the `control` hold-out group
    /// (touched only in the data: the same `campaign_touch` with `variant: "control"`) or in
    /// the `treatment` group. Within the attribution window after the touch the user comes
    /// back with the group's return rate (one visit day 1 to 6 days after the touch, then
    /// about one visit day in four for two to eight weeks) and otherwise does not visit; the
    /// persona's own visit days before and after that week stay as they are.
    public struct Campaign: Sendable, Equatable {
        /// The `campaign` field of the touches.
        public var name: String
        /// The `variant` of the treatment group; the hold-out group's is `control`.
        public var treatment: String
        /// Share of users the campaign can reach at all.
        public var reach: Double
        /// Share of touched users held out as `control`.
        public var controlShare: Double
        /// Probability that a treated user comes back within the attribution window.
        public var treatmentReturnRate: Double
        /// Probability that a held-out user comes back within the attribution window.
        public var controlReturnRate: Double
        /// Days of silence (today minus the last visit day) before a user is reached.
        public var dormantAfterDays: Int
        /// Days after a touch in which a return is credited to it.
        public var attributionDays: Int

        public init(
            name: String, treatment: String, reach: Double = 1, controlShare: Double, treatmentReturnRate: Double,
            controlReturnRate: Double, dormantAfterDays: Int = 30, attributionDays: Int = 7
        ) {
            self.name = name
            self.treatment = treatment
            self.reach = reach
            self.controlShare = controlShare
            self.treatmentReturnRate = treatmentReturnRate
            self.controlReturnRate = controlReturnRate
            self.dormantAfterDays = dormantAfterDays
            self.attributionDays = attributionDays
        }

        /// The default campaign: an SMS that can reach half of the users; of the dormant and
        /// churned users it reaches, half are held out; 35% of the SMS group and 12% of the
        /// hold-out come back within 7 days.
        public static let winbackSMS = Campaign(
            name: "winback_q2", treatment: "sms", reach: 0.5, controlShare: 0.5, treatmentReturnRate: 0.35,
            controlReturnRate: 0.12)

        /// The days (indexes) on which the campaign sends, in a window of `days` days.
        public func sendDays(in days: Int) -> Range<Int> {
            let first = days * 2 / 3, end = days - attributionDays - 1
            return first < end ? first..<end : first..<first
        }
    }

    public var users: Int
    /// Epoch milliseconds of the first simulated day's midnight (UTC).
    public var start: Int64
    public var days: Int
    public var seed: UInt64
    /// Share of events emitted broken (bad JSON, missing fields), to exercise the dead-letter path.
    public var invalidRate: Double
    /// The win-back campaign, nil for none.
    public var campaign: Campaign?

    public init(
        users: Int, start: Int64 = 1_767_225_600_000, days: Int = 180, seed: UInt64 = 1, invalidRate: Double = 0,
        campaign: Campaign? = .winbackSMS
    ) {
        self.users = users
        self.start = start
        self.days = days
        self.seed = seed
        self.invalidRate = invalidRate
        self.campaign = campaign
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
                    visitDays += [back] + daysWithProbability(0.3, from: back + 1, to: days, random: &random)
                }
            }
            if visitDays.isEmpty { visitDays = [firstDay] }
            visitDays.sort()
            var touch: (ts: Int64, variant: String)?
            if let campaign, let touchDay = campaign.firstTouchDay(visitDays: visitDays, days: days),
               random.nextOpenUnit() < campaign.reach {
                let variant = random.nextOpenUnit() < campaign.controlShare ? CampaignEvaluation.controlVariant : campaign.treatment
                let rate = variant == CampaignEvaluation.controlVariant ? campaign.controlReturnRate : campaign.treatmentReturnRate
                touch = (start + Int64(touchDay) * dayMs + 36_000_000 + Int64(random.nextOpenUnit() * 3_600_000), variant)
                // The week after the touch is the campaign's: a return, or silence.
                let window = (touchDay + 1)...(touchDay + campaign.attributionDays)
                visitDays.removeAll { window.contains($0) }
                if random.nextOpenUnit() < rate {
                    let back = touchDay + 1 + Int(random.nextOpenUnit() * random.nextOpenUnit() * 6)
                    let until = min(days, back + 15 + Int(random.nextOpenUnit() * 42))
                    visitDays = Array(Set(visitDays + [back] + daysWithProbability(0.25, from: back + 1, to: until, random: &random))).sorted()
                }
            }
            summaries.append(UserSummary(userID: userID, persona: persona, visitDays: visitDays))

            var sequence = 0
            for (position, day) in visitDays.enumerated() {
                let sessions = 1 + Int(random.nextOpenUnit() * 2.2)
                for _ in 0..<sessions {
                    var ts = start + Int64(day) * dayMs + Int64(random.nextOpenUnit() * 0.9 * Double(dayMs))
                    let count = 1 + Int(random.nextOpenUnit() * 7)
                    for eventIndex in 0..<count {
                        let type = position == 0 && eventIndex == 0 ? "signup" : Self.activityType(random.nextOpenUnit())
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
            if let touch, let campaign {
                events.append(Event(ts: touch.ts, userID: userID, line: #"{"event_id":"\#(userID)-\#(sequence)","user_id":"\#(userID)","type":"campaign_touch","ts":\#(touch.ts),"campaign":"\#(campaign.name)","variant":"\#(touch.variant)"}"#))
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

extension ActivitySimulator.Campaign {
    /// The first send day on which a user with these (sorted) visit days has visited before
    /// and has not visited for `dormantAfterDays` days or more, nil when there is none.
    func firstTouchDay(visitDays: [Int], days: Int) -> Int? {
        var next = 0
        var last: Int?
        for day in sendDays(in: days) {
            while next < visitDays.count, visitDays[next] <= day {
                last = visitDays[next]
                next += 1
            }
            if let last, day - last >= dormantAfterDays { return day }
        }
        return nil
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
