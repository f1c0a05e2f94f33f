import RevisitCore

/// Deterministic synthetic traffic: time moves forward in small random steps; most events
/// continue a recently active user's visit, the rest come from anyone.
struct EventLineGenerator {
    private var rng: SplitMix64
    private let users: Int
    private var recent: [Int]
    private var sequence = 0
    private(set) var now: Int64 = 1_700_000_000_000
    private static let types = ["page_view", "click", "page_view", "purchase", "share", "login", "page_view", "like"]

    private let newVisitOdds: UInt64

    /// Upper bound of the random step between events (mean: half of it).
    private let stepBound: UInt64

    init(users: Int, seed: UInt64, eventsPerVisit: Int, eventsPerDay: Int) {
        self.users = users
        self.stepBound = UInt64(max(1, 2 * 86_400_000 / max(1, eventsPerDay)))
        self.newVisitOdds = UInt64(max(1, eventsPerVisit))
        self.rng = SplitMix64(seed: seed)
        self.recent = Array(repeating: 0, count: min(users, 1024))
    }

    private mutating func advance() -> (user: Int, type: String, revenue: Int?) {
        now += Int64(rng.next() % stepBound)
        sequence += 1
        let r = rng.next()
        let slot = Int(r >> 40) % recent.count
        let user: Int
        if (r & 0xFFFF) % newVisitOdds != 0 {
            user = recent[slot]
        } else {
            user = Int(rng.next() % UInt64(users))
            recent[slot] = user
        }
        let type = Self.types[Int(r >> 8) % Self.types.count]
        return (user, type, type == "purchase" ? Int(r >> 20) % 10_000 : nil)
    }

    /// The next event as a JSONL line (about 150 bytes).
    mutating func nextLine() -> [UInt8] {
        let (user, type, revenue) = advance()
        var line = "{\"event_id\":\"ev-\(sequence)-\(user)\",\"user_id\":\"u\(user)\",\"type\":\"\(type)\",\"ts\":\(now)"
        if let revenue { line += ",\"revenue\":\(revenue / 100).\(revenue % 100 / 10)\(revenue % 10)" }
        line += ",\"channel\":\"app\",\"props\":{\"page\":\"/p/\(sequence % 977)\",\"ref\":null}}"
        return Array(line.utf8)
    }

    /// The next event already decoded.
    mutating func nextEvent() -> ParsedEvent { nextIndexedEvent().event }

    /// The next event already decoded, with its user's index.
    mutating func nextIndexedEvent() -> (user: Int, event: ParsedEvent) {
        let (user, _, revenue) = advance()
        return (user, ParsedEvent(
            userID: "u\(user)", eventIDHash: UInt64(sequence), kind: .activity, timestamp: now,
            revenue: revenue.map { Double($0) / 100 } ?? 0))
    }
}
