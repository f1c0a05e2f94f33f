import Testing
@testable import RevisitCore

/// `outputChunkLimit`: what falls due at one instant comes out in chunks, the same records
/// in the same order as without a limit.
@Suite("Output chunks")
struct OutputChunkTests {
    /// Every output of `lines` through one processor, with `limit`, taking the outputs after
    /// each call and at each pause; and the most outputs it held at once.
    static func run(_ lines: [[UInt8]], limit: Int?, finishAt: Int64?) -> (records: [String], mostHeld: Int) {
        var processor = try! PartitionProcessor(rules: TestSupport.rules(), wallClock: TestSupport.wallClock)
        processor.outputChunkLimit = limit
        var records: [String] = []
        var mostHeld = 0
        func take() {
            mostHeld = max(mostHeld, processor.pendingOutputCount)
            processor.drainOutputs { record in
                var buffer = JSONBuffer()
                OutputEncoder.append(record, to: &buffer)
                records.append(buffer.text)
            }
        }
        for (offset, line) in lines.enumerated() {
            processor.process(value: line, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(offset)))
            take()
            while processor.hasPausedRelease {
                processor.resumeRelease()
                take()
            }
        }
        if let finishAt {
            processor.finish(at: finishAt)
            take()
            while processor.hasPausedRelease {
                processor.resumeRelease()
                take()
            }
        }
        return (records, mostHeld)
    }

    /// 400 users who visit on two days three days apart, then one of them much later: its
    /// event moves the watermark past every user's timers at once.
    static func lines() -> [[UInt8]] {
        let start = TestSupport.t("2026-03-02T10:00:00Z")
        var lines: [[UInt8]] = []
        for user in 0..<400 { lines.append(TestSupport.event("u\(user)", start + Int64(user) * 1_000)) }
        for user in 0..<400 { lines.append(TestSupport.event("u\(user)", start + 3 * TestSupport.dayMs + Int64(user) * 1_000)) }
        lines.append(TestSupport.event("late", start + 40 * TestSupport.dayMs))
        return lines
    }

    @Test("Chunks change neither the records nor their order; at most about the limit is held", arguments: [1, 7, 100])
    func sameRecordsInChunks(limit: Int) {
        let lines = Self.lines()
        let finish = TestSupport.t("2026-06-01T00:00:00Z")
        let whole = Self.run(lines, limit: nil, finishAt: finish)
        let chunked = Self.run(lines, limit: limit, finishAt: finish)
        #expect(whole.records.count > 2_000)
        // Through a constant: the expectation would print every record.
        let same = chunked.records == whole.records
        #expect(same, "\(chunked.records.count) records in chunks of \(limit), \(whole.records.count) without")
        #expect(whole.mostHeld > 1_000)
        // One step (an event, a timer, a day's close) emits a few records at most.
        #expect(chunked.mostHeld <= limit + 8, "held \(chunked.mostHeld)")
    }

    @Test("A caller that goes on without resuming still gets every record, in order")
    func goingOnWithoutResuming() {
        let lines = Self.lines()
        let whole = Self.run(lines, limit: nil, finishAt: nil)
        var processor = try! PartitionProcessor(rules: TestSupport.rules(), wallClock: TestSupport.wallClock)
        processor.outputChunkLimit = 5
        var records: [String] = []
        for (offset, line) in (lines + [TestSupport.event("u1", TestSupport.t("2026-05-01T00:00:00Z"))]).enumerated() {
            processor.process(value: line, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(offset)))
        }
        processor.drainOutputs { record in
            var buffer = JSONBuffer()
            OutputEncoder.append(record, to: &buffer)
            records.append(buffer.text)
        }
        let same = Array(records.prefix(whole.records.count)) == whole.records
        #expect(same)
        #expect(records.count >= whole.records.count)
    }
}
