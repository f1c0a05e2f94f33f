import Testing
@testable import RevisitCore

@Suite struct SnapshotTests {
    typealias S = TestSupport

    @Test func roundTripIsExact() {
        let input = EquivalenceTests.generate(seed: 5, events: 600)
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        for (i, line) in input.lines.enumerated() {
            p.process(value: line, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(i)))
        }
        _ = p.takeOutputs()
        let snapshot = p.exportSnapshot()
        let restored = try! PartitionProcessor(snapshot: snapshot, rules: RetentionRules())
        #expect(restored.exportSnapshot() == snapshot)
        #expect(restored.counters == p.counters)
        #expect(restored.watermark == p.watermark)
        #expect(restored.userCount == p.userCount)
    }

    @Test func rejectsJunkAndOtherZones() {
        #expect(throws: PartitionProcessorError.self) { try PartitionProcessor(snapshot: [1, 2, 3], rules: RetentionRules()) }
        let p = try! PartitionProcessor(rules: RetentionRules(), wallClock: 0)
        var bytes = p.exportSnapshot()
        #expect(throws: PartitionProcessorError.self) {
            try PartitionProcessor(snapshot: bytes, rules: S.rules { $0.timezone = "Europe/Paris" })
        }
        bytes.append(0)
        #expect(throws: PartitionProcessorError.self) { try PartitionProcessor(snapshot: bytes, rules: RetentionRules()) }
    }

    @Test func truncatedSnapshotsNeverCrash() {
        let input = EquivalenceTests.generate(seed: 6, events: 200)
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        for (i, line) in input.lines.enumerated() {
            p.process(value: line, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(i)))
        }
        let bytes = p.exportSnapshot()
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(throws: PartitionProcessorError.self) {
                try PartitionProcessor(snapshot: Array(bytes[0..<length]), rules: RetentionRules())
            }
        }
    }
}
