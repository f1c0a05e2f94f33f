import Testing
@testable import RevisitCore

/// The durable-state protocol of a task at core level (SPEC 8): changed users and a frame at
/// every checkpoint, a crash, a restore from the latest frame and records, the buffered
/// events re-read from the recorded origin, and processing goes on as if nothing happened.
@Suite struct StateChangesTests {
    typealias S = TestSupport

    /// What a state topic would hold: the latest record of every user, the latest frame, and
    /// where the checkpoint's input starts and ends.
    struct Checkpoint {
        var users: [String: [UInt8]] = [:]
        var frame: [UInt8] = []
        var origin = 0
        var next = 0
    }

    static func source(_ offset: Int) -> SourcePosition {
        SourcePosition(topic: "events", partition: 0, offset: Int64(offset))
    }

    /// Runs `lines` with a checkpoint every `interval` messages and a crash right after
    /// message `crash`: what was emitted after the last checkpoint is thrown away (the new
    /// owner finds it written and does not write it again) and regenerated from the
    /// checkpoint.
    static func runWithCrash(_ lines: [[UInt8]], rules: RetentionRules, interval: Int, crash: Int) -> [OutputRecord] {
        var p = try! PartitionProcessor(rules: rules, wallClock: S.wallClock)
        p.tracksChanges = true
        var durable = Checkpoint()
        var kept: [OutputRecord] = []
        var sinceCheckpoint: [OutputRecord] = []
        for n in 0...crash {
            p.process(value: lines[n], key: nil, source: source(n))
            sinceCheckpoint += p.takeOutputs()
            if (n + 1) % interval == 0 {
                for change in p.takeChangedUsers() { durable.users[change.userID] = change.record }
                durable.frame = p.exportFrame()
                durable.next = n + 1
                durable.origin = p.bufferedOrigin.map(Int.init) ?? (n + 1)
                kept += sinceCheckpoint
                sinceCheckpoint = []
            }
        }
        var restored = try! PartitionProcessor(
            frame: durable.frame, users: durable.users.map { ($0.key, $0.value) }, rules: rules)
        restored.tracksChanges = true
        for n in durable.origin..<durable.next {
            _ = lines[n].withUnsafeBytes { restored.rebuffer(value: $0, key: nil, source: source(n)) }
        }
        #expect(restored.takeOutputs().isEmpty)
        var out = kept
        for n in durable.next..<lines.count {
            restored.process(value: lines[n], key: nil, source: source(n))
            out += restored.takeOutputs()
        }
        restored.finish(at: restored.maxTimestamp!)
        return out + restored.takeOutputs()
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func crashAndRestoreChangesNoUsersRecords(seed: UInt64) {
        for perUserZones in [false, true] {
            let rules = S.rules { $0.perUserTimezone = perUserZones }
            let input = EquivalenceTests.generate(seed: seed, events: 1200)
            let order = EquivalenceTests.shuffledWithinLateness(input, seed: seed, lateness: rules.allowedLateness.milliseconds)
            let lines = order.map { input.lines[$0] }
            let baseline = EquivalenceTests.perUser(S.run(lines, rules: rules))
            for (interval, crash) in [(1, 0), (7, 300), (50, 733), (200, 1199), (13, 1000)] {
                let restored = EquivalenceTests.perUser(Self.runWithCrash(lines, rules: rules, interval: interval, crash: crash))
                #expect(EquivalenceTests.same(restored, baseline), "interval \(interval), crash after \(crash)")
            }
        }
    }

    @Test func changesListEachUserOnceAndErasures() {
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        #expect(p.takeChangedUsers().isEmpty)
        p.tracksChanges = true
        let t0 = S.t("2024-05-01T10:00:00Z")
        for (i, user) in ["a", "b", "a", "a"].enumerated() {
            p.process(value: S.event(user, t0 + Int64(i) * 60_000), key: nil, source: Self.source(i))
        }
        // The watermark trails by 10 minutes: nothing is applied yet, so nothing changed.
        #expect(p.takeChangedUsers().isEmpty)
        p.advanceWatermark(to: t0 + 3_600_000)
        #expect(p.takeChangedUsers().map(\.userID) == ["a", "b"])
        p.process(value: S.event("b", t0 + 4_000_000, type: "forget"), key: nil, source: Self.source(4))
        p.advanceWatermark(to: t0 + 5_000_000)
        let changes = p.takeChangedUsers()
        #expect(changes == [UserStateChange(userID: "b", record: nil)])
        p.markChanged("a")
        p.markChanged("nobody")
        #expect(p.takeChangedUsers().map { "\($0.userID):\($0.record != nil)" } == ["nobody:false", "a:true"])
    }

    @Test func bufferedOriginIsTheOldestWaitingOffset() {
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        #expect(p.bufferedOrigin == nil)
        let t0 = S.t("2024-05-01T10:00:00Z")
        p.process(value: S.event("a", t0), key: nil, source: Self.source(10))
        p.process(value: S.event("b", t0 + 1_000), key: nil, source: Self.source(11))
        // A straggler arriving later with an earlier time than the tail.
        p.process(value: S.event("c", t0 + 500), key: nil, source: Self.source(12))
        #expect(p.bufferedOrigin == 10)
        p.process(value: S.event("d", t0 + 600_000), key: nil, source: Self.source(13))
        // t0 is now behind the watermark and applied; the straggler (12) is the oldest waiting.
        #expect(p.bufferedOrigin == 11)
        p.advanceWatermark(to: t0 + 700_000)
        #expect(p.bufferedOrigin == nil)
    }

    @Test func corruptFramesAndRecordsAreRefusedNotTrapped() {
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        p.tracksChanges = true
        let input = EquivalenceTests.generate(seed: 21, events: 300)
        for (n, line) in input.lines.enumerated() { p.process(value: line, key: nil, source: Self.source(n)) }
        p.advanceWatermark(to: input.timestamps.max()! + 1)
        let users = p.takeChangedUsers().compactMap { c in c.record.map { (c.userID, $0) } }
        let frame = p.exportFrame()
        #expect((try? PartitionProcessor(frame: frame, users: users, rules: RetentionRules())) != nil)
        #expect(throws: PartitionProcessorError.self) {
            try PartitionProcessor(frame: frame, users: Array(users.dropLast()), rules: RetentionRules())
        }
        #expect(throws: PartitionProcessorError.self) {
            try PartitionProcessor(frame: frame, users: users, rules: S.rules { $0.timezone = "Asia/Tokyo" })
        }
        for length in stride(from: 0, to: frame.count, by: 3) {
            #expect(throws: PartitionProcessorError.self) {
                try PartitionProcessor(frame: Array(frame[0..<length]), users: users, rules: RetentionRules())
            }
        }
        var (id, record) = users[0]
        record[0] = 9
        #expect(throws: PartitionProcessorError.self) {
            try PartitionProcessor(frame: frame, users: [(id, record)] + users.dropFirst(), rules: RetentionRules())
        }
    }
}
