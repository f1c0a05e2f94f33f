import Foundation
import RevisitCore
import RevisitKafka

/// Deterministic input of `revisit bench pipeline`: SPEC 1 events as the pipeline reads them
/// from Kafka (key: the user id; value: JSON of about 120-160 bytes with `event_id`,
/// `user_id`, `type`, `ts` in epoch milliseconds, mostly a `channel`, sometimes `revenue`,
/// and `props`).
///
/// A plan is a list of small ``Planned`` values in arrival order; each one's JSON line is
/// written only when it is sent, so a million events cost tens of megabytes, not hundreds.
/// Everything follows from the seed and the end instant.
struct PipelineTraffic {
    /// One event to send: enough to write its line.
    struct Planned {
        var ts: Int64
        /// Arrival order key: `ts` plus a small jitter, so arrival is only roughly in time order.
        var arrival: Int64
        var user: Int32
        /// The event's index among its user's events.
        var sequence: Int32
    }

    let seed: UInt64
    var events: [Planned] = []

    private static let dayMs: Int64 = 86_400_000

    /// Realistic retention traffic: `count` events over `users` users (about count / users each,
    /// spread over one to four sessions on random days of the `days` days before `end`; a
    /// session's events 5 s to 4 min apart), in time order up to 20 s of jitter per event,
    /// well within the default `allowed_lateness` of 10 minutes, so nothing is too late.
    /// Sessions close (they are 30 minutes apart at least or merge), and days pass, so
    /// profiles, sessions and alerts come out.
    static func retention(count: Int, users: Int, days: Int, end: Int64, seed: UInt64) -> PipelineTraffic {
        var random = SplitMix64(seed: seed)
        var traffic = PipelineTraffic(seed: seed)
        traffic.events.reserveCapacity(count)
        let first = end - Int64(days) * dayMs
        for user in 0..<users {
            let perUser = count / users + (user < count % users ? 1 : 0)
            guard perUser > 0 else { continue }
            let sessions = min(perUser, 1 + Int(random.next() % 4))
            // Split the events over the sessions, each at least one.
            var sizes = Array(repeating: 1, count: sessions)
            for _ in 0..<(perUser - sessions) { sizes[Int(random.next() % UInt64(sessions))] += 1 }
            var sequence: Int32 = 0
            for size in sizes {
                let day = Int64(random.next() % UInt64(days))
                // Between 06:00 and 22:00 UTC.
                var ts = first + day * dayMs + 21_600_000 + Int64(random.next() % 57_600_000)
                for _ in 0..<size {
                    traffic.events.append(Planned(
                        ts: ts, arrival: ts + Int64(random.next() % 20_000), user: Int32(user), sequence: sequence))
                    sequence += 1
                    ts += 5_000 + Int64(random.next() % 235_000)
                }
            }
        }
        traffic.events.sort { ($0.arrival, $0.user) < ($1.arrival, $1.user) }
        return traffic
    }

    /// One event for each of `users` users, spread evenly over the `days` days before `end`
    /// in time order: state for that many users, every session closed by the end.
    static func onePerUser(users: Int, days: Int, end: Int64, seed: UInt64) -> PipelineTraffic {
        var traffic = PipelineTraffic(seed: seed)
        traffic.events.reserveCapacity(users)
        let first = end - Int64(days) * dayMs
        let step = Double(Int64(days) * dayMs) / Double(max(users, 1))
        for user in 0..<users {
            let ts = first + Int64(Double(user) * step)
            traffic.events.append(Planned(ts: ts, arrival: ts, user: Int32(user), sequence: 0))
        }
        return traffic
    }

    /// History for a live run: one event on each of the `days` days before `today` (a UTC
    /// midnight) for every user, in time order, so that a visit today is each user's streak
    /// of `days + 1` days.
    static func dailyHistory(users: Int, days: Int, today: Int64, seed: UInt64) -> PipelineTraffic {
        var random = SplitMix64(seed: seed)
        var traffic = PipelineTraffic(seed: seed)
        for day in 0..<days {
            let midnight = today - Int64(days - day) * dayMs
            for user in 0..<users {
                let ts = midnight + 21_600_000 + Int64(random.next() % 57_600_000)
                traffic.events.append(Planned(ts: ts, arrival: ts, user: Int32(user), sequence: Int32(day)))
            }
        }
        traffic.events.sort { ($0.arrival, $0.user) < ($1.arrival, $1.user) }
        return traffic
    }

    // MARK: - Lines

    private static let types: [String] = [
        "page_view", "page_view", "page_view", "page_view", "page_view", "page_view", "click", "click",
        "click", "like", "share", "comment", "login", "login", "purchase", "page_view",
    ]
    private static let channels: [String] = ["app", "app", "app", "app", "app", "web", "web", "web", "mini_program"]

    /// The user id of user `index`.
    static func userID(_ index: Int32) -> String { "u\(index)" }

    /// The JSON value of `event` (a fixed function of the seed and the event).
    func line(_ event: Planned) -> [UInt8] {
        Self.line(user: event.user, sequence: event.sequence, ts: event.ts, seed: seed)
    }

    /// The JSON value of the `sequence`th event of `user` at `ts`.
    static func line(user: Int32, sequence: Int32, ts: Int64, seed: UInt64) -> [UInt8] {
        var mix = SplitMix64(seed: seed ^ (UInt64(UInt32(bitPattern: user)) << 32) ^ UInt64(UInt32(bitPattern: sequence)))
        let id = mix.next()
        let draw = mix.next()
        let type = sequence == 0 && draw & 3 == 0 ? "signup" : types[Int(draw >> 8) % types.count]
        var text = #"{"event_id":""#
        text += String(id, radix: 16)
        text += #"","user_id":"u\#(user)","type":"\#(type)","ts":\#(ts)"#
        // One event in ten carries no channel (it is optional).
        if (draw >> 20) % 10 != 0 { text += #","channel":"\#(channels[Int(draw >> 24) % channels.count])""# }
        if type == "purchase" {
            let cents = 199 + Int((draw >> 32) % 19_800)
            text += ",\"revenue\":\(cents / 100).\(cents % 100 / 10)\(cents % 10)"
        }
        text += #","props":{"page":"/p/\#((draw >> 40) % 500)"}}"#
        return Array(text.utf8)
    }
}
