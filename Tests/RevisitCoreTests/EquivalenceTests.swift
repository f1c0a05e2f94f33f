import Testing
@testable import RevisitCore

/// SPEC 2.1 equivalence: arrival order within the allowed lateness, partition count and a
/// snapshot/restore in the middle change nothing in any user's records.
@Suite struct EquivalenceTests {
    typealias S = TestSupport

    struct Input {
        var lines: [[UInt8]]
        var users: [String]
        var timestamps: [Int64]
    }

    /// Random traffic: unique timestamps, bursts (sessions), duplicates, touches, forgets,
    /// zones, long silences.
    static func generate(seed: UInt64, events: Int = 1500, users: Int = 25) -> Input {
        var rng = SplitMix64(seed: seed)
        var t = S.t("2024-01-01T00:00:00Z")
        var input = Input(lines: [], users: [], timestamps: [])
        let zones = ["America/New_York", "Europe/Paris", "Asia/Tokyo", "UTC"]
        var lastID: [String: String] = [:]
        for i in 0..<events {
            // Mostly minutes apart, sometimes days or months of silence.
            let r = rng.next() % 100
            let span: UInt64 = r < 85 ? 1_800_000 : r < 99 ? 3 * 86_400_000 : 120 * 86_400_000
            t += Int64(rng.next() % span) + 1
            let user = "user\(rng.next() % UInt64(users))"
            let kind = rng.next() % 100
            let line: [UInt8]
            if kind < 3 {
                line = S.event(user, t, type: "campaign_touch", id: "t\(i)", campaign: "c\(rng.next() % 3)", variant: rng.next() % 2 == 0 ? "control" : "a")
            } else if kind < 4 {
                line = S.event(user, t, type: "forget", id: "f\(i)")
            } else {
                let duplicate = kind < 10 ? lastID[user] : nil
                let id = duplicate ?? "e\(i)"
                lastID[user] = id
                line = S.event(user, t, id: id, tz: rng.next() % 5 == 0 ? zones[Int(rng.next() % 4)] : nil,
                               revenue: rng.next() % 4 == 0 ? Double(rng.next() % 100) * 0.25 : nil)
            }
            input.lines.append(line)
            input.users.append(user)
            input.timestamps.append(t)
        }
        return input
    }

    /// Records per user, encoded, in emission order.
    static func perUser(_ out: [OutputRecord]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for record in out {
            guard let user = record.userID else { continue }
            result[user, default: []].append(String(decoding: OutputEncoder.encode(record), as: UTF8.self))
        }
        return result
    }

    static func run(_ input: Input, order: [Int], partitions: Int, cutAt: Int? = nil, rules: RetentionRules) -> [OutputRecord] {
        var processors = (0..<partitions).map { _ in try! PartitionProcessor(rules: rules, wallClock: S.wallClock) }
        var out: [OutputRecord] = []
        for (n, i) in order.enumerated() {
            if n == cutAt {
                for p in 0..<partitions {
                    out += processors[p].takeOutputs()
                    processors[p] = try! PartitionProcessor(snapshot: processors[p].exportSnapshot(), rules: rules)
                }
            }
            var h = FNV1a()
            h.combine(input.users[i])
            let p = Int(h.value % UInt64(partitions))
            processors[p].process(value: input.lines[i], key: Array(input.users[i].utf8), source: SourcePosition(topic: "t", partition: Int32(p), offset: Int64(n)))
            out += processors[p].takeOutputs()
        }
        let end = input.timestamps.max()!
        for p in 0..<partitions {
            processors[p].finish(at: end)
            out += processors[p].takeOutputs()
        }
        #expect(S.deadLetters(out).count == 0)
        return out
    }

    /// The daily aggregates of every partition summed per date, encoded, in date order.
    static func dailyTotals(_ out: [OutputRecord]) -> [String] {
        let byDate = Dictionary(grouping: DailyAggregateTests.records(out), by: \.date)
        return byDate.keys.sorted().map {
            String(decoding: OutputEncoder.encode(.metrics(DailyMetricsRecord.merging(byDate[$0]!)!, closedAt: 0)), as: UTF8.self)
        }
    }

    /// Equality that reports only the first differing record instead of everything.
    static func same(_ a: [String: [String]], _ b: [String: [String]]) -> Bool {
        for user in Set(a.keys).union(b.keys).sorted() {
            let x = a[user] ?? [], y = b[user] ?? []
            guard x != y else { continue }
            let i = (0..<min(x.count, y.count)).first { x[$0] != y[$0] } ?? min(x.count, y.count)
            Issue.record("\(user) differs at record \(i) of \(x.count)/\(y.count):\n\(i < x.count ? x[i] : "-")\n\(i < y.count ? y[i] : "-")")
            return false
        }
        return true
    }

    static func shuffledWithinLateness(_ input: Input, seed: UInt64, lateness: Int64) -> [Int] {
        var rng = SplitMix64(seed: seed)
        let keys = input.timestamps.map { $0 + Int64(rng.next() % UInt64(lateness)) }
        return input.timestamps.indices.sorted { (keys[$0], $0) < (keys[$1], $1) }
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func shuffledPartitionedAndRestoredRunsAgree(seed: UInt64) {
        for perUserZones in [false, true] {
            let rules = S.rules { $0.perUserTimezone = perUserZones }
            let input = Self.generate(seed: seed)
            let inOrder = Array(input.lines.indices)
            let single = Self.run(input, order: inOrder, partitions: 1, rules: rules)
            let baseline = Self.perUser(single)
            #expect(baseline.values.map(\.count).reduce(0, +) > input.lines.count / 4)
            // The daily aggregates of all partitions add up to the same figures (SPEC 7).
            let daily = Self.dailyTotals(single)
            #expect(daily.count > 100)

            let shuffled = Self.shuffledWithinLateness(input, seed: seed &+ 100, lateness: rules.allowedLateness.milliseconds)
            let shuffledOut = Self.run(input, order: shuffled, partitions: 1, rules: rules)
            #expect(Self.same(Self.perUser(shuffledOut), baseline))
            #expect(Self.dailyTotals(shuffledOut) == daily)
            for partitions in [2, 5, 8] {
                let out = Self.run(input, order: shuffled, partitions: partitions, rules: rules)
                #expect(Self.same(Self.perUser(out), baseline))
                #expect(Self.dailyTotals(out) == daily)
            }
            for cut in [1, input.lines.count / 3, input.lines.count - 1] {
                let out = Self.run(input, order: shuffled, partitions: 3, cutAt: cut, rules: rules)
                #expect(Self.same(Self.perUser(out), baseline))
                #expect(Self.dailyTotals(out) == daily)
            }
        }
    }

    @Test func repeatedRunsAreByteIdentical() {
        let input = Self.generate(seed: 9)
        let rules = RetentionRules()
        let a = Self.run(input, order: Array(input.lines.indices), partitions: 4, rules: rules)
        let b = Self.run(input, order: Array(input.lines.indices), partitions: 4, rules: rules)
        #expect(a.map { OutputEncoder.encode($0) } == b.map { OutputEncoder.encode($0) })
    }

    /// Outputs collected in buffers handed back (as `revisit run`'s writer returns them) are
    /// the same records, in the same order, as those collected in fresh buffers, nothing a
    /// buffer held before leaks into them, and the handed-back memory is what they fill.
    @Test func outputsCollectedInReusedBuffersAreTheSame() throws {
        let input = Self.generate(seed: 4)
        let fresh = S.run(input.lines)
        var p = try PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        var collected: [OutputRecord] = []
        var spare: [OutputRecord] = Array(repeating: .tombstone(userID: "stale", at: 0), count: 64)
        // Where the spare handed over last lives, and whether the records fit there: the
        // take reserves room for as many as it returned, and the next ones are collected.
        var handedOver: (storage: UnsafePointer<OutputRecord>?, capacity: Int, reserved: Int) = (nil, 0, 0)
        var filledInPlace = 0
        for (i, line) in input.lines.enumerated() {
            p.process(value: line, key: nil, source: SourcePosition(topic: "test", partition: 0, offset: Int64(i)))
            guard p.pendingOutputCount > 0 else { continue }
            let expectsInPlace = handedOver.capacity >= max(handedOver.reserved, p.pendingOutputCount)
            let nextStorage = spare.withUnsafeBufferPointer { $0.baseAddress }
            let nextCapacity = spare.capacity
            var outputs = p.takeOutputs(collectingNextIn: consume spare)
            if expectsInPlace, !outputs.contains(where: { if case .deadLetter = $0 { true } else { false } }) {
                #expect(outputs.withUnsafeBufferPointer { $0.baseAddress } == handedOver.storage)
                filledInPlace += 1
            }
            handedOver = (nextStorage, nextCapacity, outputs.count)
            collected += outputs
            outputs.removeAll(keepingCapacity: true)
            spare = outputs
        }
        p.finish(at: p.maxTimestamp!)
        collected += p.takeOutputs(collectingNextIn: spare)
        #expect(!collected.contains { if case .tombstone(let user, _) = $0 { user == "stale" } else { false } })
        #expect(collected.map { OutputEncoder.encode($0) } == fresh.map { OutputEncoder.encode($0) })
        #expect(filledInPlace > 10)
    }
}
