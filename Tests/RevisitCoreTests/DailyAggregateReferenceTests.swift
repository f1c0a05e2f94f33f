import Foundation
import Testing
@testable import RevisitCore

/// SPEC 7 computed the slow way, straight from its definitions (every user's active days
/// re-read for every day, touches judged one by one, the zone through Foundation's
/// calendar), against the pipeline's incremental counts: on random traffic with forgets,
/// duplicates, touches and long silences, merged over 1, 4 and 16 partitions, shuffled within
/// the lateness and restored from a snapshot midway.
@Suite struct DailyAggregateReferenceTests {
    typealias S = TestSupport

    struct Event {
        var user: String
        var ts: Int64
        var kind: Kind
        var id: String
        var campaign = ""
        var variant: String?
        var line: [UInt8] = []
        enum Kind { case activity, touch, forget }
    }

    /// Short thresholds, so that a hundred days see dormancy, churn, recall and campaigns.
    static let rules = S.rules {
        $0.timezone = "Europe/Paris"
        $0.dormantAfterDays = 10
        $0.churnAfterDays = 25
        $0.recallWindowDays = 10
        $0.attributionWindow = .days(3)
    }

    static func generate(seed: UInt64) -> [Event] {
        var rng = SplitMix64(seed: seed)
        var t = S.t("2024-03-01T00:00:00Z")
        var events: [Event] = []
        var lastID: [String: (String, Int64)] = [:]
        for i in 0..<1_200 {
            let r = rng.next() % 100
            let span: UInt64 = r < 70 ? 1_800_000 : r < 97 ? 86_400_000 : 12 * 86_400_000
            t += Int64(rng.next() % span) + 1
            let user = "user\(rng.next() % 30)"
            let kind = rng.next() % 100
            var e: Event
            if kind < 8 {
                let variants = ["control", "a", nil]
                e = Event(user: user, ts: t, kind: .touch, id: "t\(i)", campaign: "c\(rng.next() % 2)",
                          variant: variants[Int(rng.next() % 3)])
            } else if kind < 10 {
                e = Event(user: user, ts: t, kind: .forget, id: "f\(i)")
            } else {
                // Now and then the id of the user's previous event: a duplicate if within its session.
                let previous = lastID[user].flatMap { kind < 16 ? $0.0 : nil }
                e = Event(user: user, ts: t, kind: .activity, id: previous ?? "e\(i)")
                lastID[user] = (e.id, t)
            }
            e.line = S.event(user, t, type: e.kind == .activity ? "page_view" : e.kind == .touch ? "campaign_touch" : "forget",
                             id: e.id, campaign: e.kind == .touch ? e.campaign : nil, variant: e.variant)
            events.append(e)
        }
        return events
    }

    // MARK: - The slow way

    static func reference(_ events: [Event], alerts: [AlertRecord]) -> [DailyMetricsRecord] {
        let zone = TimeZone(identifier: rules.timezone)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        func day(_ t: Int64) -> Int64 {
            let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(t) / 1000))
            return CivilDate.dayNumber(year: c.year!, month: c.month!, day: c.day!)
        }
        func firstInstant(_ d: Int64) -> Int64 {
            let (y, m, dd) = CivilDate.civil(d)
            let date = calendar.date(from: DateComponents(year: y, month: m, day: dd))!
            return Int64((date.timeIntervalSince1970 * 1000).rounded())
        }
        // Which activity events are applied: not a duplicate of the user's current session.
        let gap = rules.sessionGap.milliseconds
        var session: [String: (end: Int64, ids: Set<String>)] = [:]
        var applied: [Event] = []
        for e in events {
            switch e.kind {
            case .forget: session[e.user] = nil
            case .touch: break
            case .activity:
                if var s = session[e.user], e.ts - s.end <= gap {
                    if s.ids.contains(e.id) { continue }
                    s.ids.insert(e.id)
                    s.end = e.ts
                    session[e.user] = s
                } else {
                    session[e.user] = (e.ts, [e.id])
                }
                applied.append(e)
            }
        }
        let forgets = events.filter { $0.kind == .forget }
        /// The user's active days from its applied events before `before`, since its last forget.
        func activeDays(_ user: String, before: Int64) -> [Int64] {
            let since = forgets.filter { $0.user == user && $0.ts < before }.map(\.ts).max() ?? .min
            return applied.filter { $0.user == user && $0.ts > since && $0.ts < before }.map { day($0.ts) }
        }

        // Win-back touches: (maturity day, campaign, variant, returned).
        var matured: [(day: Int64, campaign: String, variant: String?, returned: Bool)] = []
        var qualified: [String: Set<String>] = [:]
        let window = rules.attributionWindow.milliseconds
        for e in events {
            if e.kind == .forget { qualified[e.user] = nil }
            guard e.kind == .touch else { continue }
            let days = activeDays(e.user, before: e.ts)
            guard let last = days.max(), day(e.ts) - last >= Int64(rules.dormantAfterDays),
                  !(qualified[e.user]?.contains(e.campaign) ?? false)
            else { continue }
            qualified[e.user, default: []].insert(e.campaign)
            let end = e.ts + window
            if forgets.contains(where: { $0.user == e.user && $0.ts > e.ts && $0.ts <= end }) { continue }
            let returned = applied.contains { $0.user == e.user && $0.ts > e.ts && $0.ts <= end }
            matured.append((day(end), e.campaign, e.variant, returned))
        }

        let users = Set(events.map(\.user)).sorted()
        let end = events.map(\.ts).max()!
        var records: [DailyMetricsRecord] = []
        var d = day(applied.first!.ts)
        while firstInstant(d + 1) - 1 <= end {
            let close = firstInstant(d + 1) - 1
            var r = DailyMetricsRecord(date: d, partition: nil)
            for user in users {
                let days = Set(activeDays(user, before: close + 1))
                guard let first = days.min() else { continue }
                func any(_ range: ClosedRange<Int64>) -> Bool { days.contains { range.contains($0) } }
                if days.contains(d) { r.activeUsers += 1 }
                if any(d - 6...d) { r.wau += 1 }
                if any(d - 29...d) { r.mau += 1 }
                if first == d { r.newUsers += 1 }
                if any(d - 13...d - 7) {
                    r.revisit.base += 1
                    if any(d - 6...d) { r.revisit.returned += 1 }
                }
                for (i, n) in DailyMetricsRecord.retentionDays.enumerated() where first == d - Int64(n) {
                    r.retention[i].base += 1
                    if days.contains(d) { r.retention[i].returned += 1 }
                }
            }
            // Tiers and stages: every profile as of the close, as a replay ending there gives them.
            var p = try! PartitionProcessor(rules: rules, wallClock: S.wallClock)
            for (i, e) in events.enumerated() where e.ts <= close {
                p.process(value: e.line, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(i)))
            }
            p.finish(at: close)
            for profile in S.profiles(p.takeOutputs()) where profile.cause == .endOfInput {
                r.tiers[Int(profile.segment.rawValue)] += 1
                r.stages[Int(profile.lifecycle.rawValue)] += 1
            }
            r.becameChurned = alerts.filter { $0.type == .churned && day($0.at) == d }.count
            r.recalled = alerts.filter { $0.type == .recalled && day($0.at) == d }.count
            r.churnedAtStart = records.last?.stages[Int(LifecycleStage.churned.rawValue)] ?? 0
            r.campaigns = DailyMetricsRecord.summing(matured.filter { $0.day == d }.map {
                .init(campaign: $0.campaign, variant: $0.variant, matured: 1, returned: $0.returned ? 1 : 0)
            })
            records.append(r)
            d += 1
        }
        return records
    }

    // MARK: - The pipeline

    /// Every partition's records merged per date, in date order.
    static func merged(_ out: [OutputRecord]) -> [DailyMetricsRecord] {
        let byDate = Dictionary(grouping: DailyAggregateTests.records(out), by: \.date)
        return byDate.keys.sorted().map { DailyMetricsRecord.merging(byDate[$0]!)! }
    }

    static func asInput(_ events: [Event]) -> EquivalenceTests.Input {
        EquivalenceTests.Input(lines: events.map(\.line), users: events.map(\.user), timestamps: events.map(\.ts))
    }

    static func same(_ a: [DailyMetricsRecord], _ b: [DailyMetricsRecord], _ label: String) -> Bool {
        guard a.count == b.count else {
            Issue.record("\(label): \(a.count) days against \(b.count)")
            return false
        }
        for (x, y) in zip(a, b) where x != y {
            Issue.record("\(label): \(EventTime.formatDate(x.date)) differs:\n\(x)\n\(y)")
            return false
        }
        return true
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func incrementalCountsEqualTheDefinitions(seed: UInt64) {
        let events = Self.generate(seed: seed)
        let input = Self.asInput(events)
        let inOrder = Array(events.indices)
        let single = EquivalenceTests.run(input, order: inOrder, partitions: 1, rules: Self.rules)
        let expected = Self.reference(events, alerts: S.alerts(single))
        // The traffic exercises every field.
        #expect(expected.count > 60)
        #expect(expected.contains { $0.revisit.returned > 0 } && expected.contains { $0.retention[2].returned > 0 })
        #expect(expected.contains { $0.becameChurned > 0 } && expected.contains { $0.recalled > 0 })
        #expect(expected.contains { $0.campaigns.contains { $0.returned > 0 } })
        #expect(expected.contains { $0.campaigns.contains { $0.matured > $0.returned } })
        // `same` records the first differing day itself; the arrays are too long to print.
        let singleAgrees = Self.same(Self.merged(single), expected, "1 partition")
        #expect(singleAgrees)
        for partitions in [4, 16] {
            let out = EquivalenceTests.run(input, order: inOrder, partitions: partitions, rules: Self.rules)
            let agrees = Self.same(Self.merged(out), expected, "\(partitions) partitions")
            #expect(agrees)
        }
        let shuffled = EquivalenceTests.shuffledWithinLateness(
            input, seed: seed &+ 7, lateness: Self.rules.allowedLateness.milliseconds)
        let restored = EquivalenceTests.run(input, order: shuffled, partitions: 4, cutAt: events.count / 2, rules: Self.rules)
        let restoredAgrees = Self.same(Self.merged(restored), expected, "shuffled, 4 partitions, restored midway")
        #expect(restoredAgrees)
    }
}
