import Foundation
import RevisitCore
import RevisitKafka
import Testing
@testable import RevisitRuntime

/// The runner's decisions, run in-process by ``RuntimeTestDriver``: outputs, checkpoints
/// and commits after rebalances, failed deliveries, an unresponsive cluster, client errors,
/// live time, and a stop in every state.
@Suite("The runtime in the test driver")
struct RuntimeDriverTests {
    static let partitions = 2

    static func lines(seed: UInt64 = 5) -> [String] {
        ReplayExpectation.lines(users: 60, days: 45, seed: seed, partitions: partitions)
    }

    /// Runs until every input message is processed and a checkpoint covers it: the
    /// committed offset of each held partition is its end.
    static func runUntilCheckpointed(_ driver: RuntimeTestDriver, partitions: [Int32]? = nil) throws -> Bool {
        let held = partitions ?? (0..<Int32(driver.partitions)).map { $0 }
        return try driver.runUntil {
            driver.clock.advance(by: 0.25)
            return held.allSatisfy { driver.committed($0) == driver.logs.endOffset(driver.topics.input, partition: $0) }
        }
    }

    // MARK: - Outputs, checkpoints, commits

    @Test("Outputs equal the file replay; each checkpoint records the input offset committed and the output ends written")
    func outputsCheckpointsAndCommits() throws {
        let lines = Self.lines()
        let driver = RuntimeTestDriver(partitions: Self.partitions)
        try driver.startRunner()
        driver.pipe(lines)
        driver.assign([0, 1])
        #expect(try Self.runUntilCheckpointed(driver))
        let expectation = try ReplayExpectation(lines: lines, partitions: Self.partitions, wallClock: RuntimeTestDriver.start)
        expectation.expectMatches(driver)
        for p: Int32 in [0, 1] {
            let last = try #require(try driver.checkpoints(p).last)
            #expect(last.inputOffset == driver.logs.endOffset(driver.topics.input, partition: p))
            for topic in driver.topics.outputs {
                let end = driver.logs.endOffset(topic, partition: p)
                #expect(last.outputEnds[topic] ?? 0 == end, "\(topic)/\(p): checkpoint end \(last.outputEnds[topic] ?? -1), log end \(end)")
            }
        }
        try driver.stopRunner()
    }

    @Test("A revoked partition is checkpointed before it goes; its next owner resumes there, writing nothing twice")
    func revokeAndReassign() throws {
        let lines = Self.lines(seed: 6)
        let split = lines.count / 2
        let driver = RuntimeTestDriver(partitions: Self.partitions) { $0.pipeline.checkpointInterval = .hours(1) }
        try driver.startRunner()
        driver.pipe(Array(lines[..<split]))
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] && driver.runner.summarySoFar.partitionsAssigned == 2 })
        try driver.runRounds(20)
        driver.revoke([1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0] })
        // Revoked, not lost: its last checkpoint covers everything it read, though the
        // periodic ones are an hour apart.
        #expect(driver.committed(1) == driver.logs.endOffset(driver.topics.input, partition: 1))
        driver.pipe(Array(lines[split...]))
        driver.assign([1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] })
        try driver.stopRunner()
        let expectation = try ReplayExpectation(lines: lines, partitions: Self.partitions, wallClock: RuntimeTestDriver.start)
        expectation.expectMatches(driver)
        #expect(driver.runner.summarySoFar.restores.count == 3)
    }

    @Test("A partition lost without a checkpoint: its next owner finds the outputs written since and writes none twice")
    func lostPartitionIsRedone() throws {
        let lines = Self.lines(seed: 7)
        let split = lines.count / 3
        let driver = RuntimeTestDriver(partitions: Self.partitions) { $0.pipeline.checkpointInterval = .hours(1) }
        try driver.startRunner()
        driver.pipe(Array(lines[..<split]))
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] })
        driver.pipe(Array(lines[split...]))
        let written = driver.outputCount
        #expect(try driver.runUntil { driver.outputCount > written + 200 })
        // Lost: the group gave it away; no checkpoint covers what it wrote since the first.
        driver.revoke([0, 1], lost: true)
        #expect(try driver.runUntil { driver.runner.heldPartitions.isEmpty })
        driver.assign([0, 1])
        #expect(try Self.runUntilCheckpointed(driver))
        try driver.stopRunner()
        let summary = driver.runner.summarySoFar
        #expect(summary.outputsAlreadyWritten > 0, "the new owner found no output written after the checkpoint")
        let expectation = try ReplayExpectation(lines: lines, partitions: Self.partitions, wallClock: RuntimeTestDriver.start)
        expectation.expectMatches(driver)
    }

    @Test("A failed delivery restarts its task from the last durable checkpoint: nothing lost, nothing twice")
    func failedDeliveryResetsTheTask() throws {
        let lines = Self.lines(seed: 8)
        let driver = RuntimeTestDriver(partitions: Self.partitions)
        try driver.startRunner()
        driver.pipe(Array(lines[..<(lines.count / 2)]))
        driver.assign([0, 1])
        #expect(try Self.runUntilCheckpointed(driver))
        driver.logs.failDeliveries(to: driver.topics.sessions, partition: 1, count: 1)
        driver.pipe(Array(lines[(lines.count / 2)...]))
        #expect(try Self.runUntilCheckpointed(driver))
        #expect(driver.runner.summarySoFar.resets == 1)
        #expect(driver.log.contains("partition 1 restarts from its last checkpoint"))
        try driver.stopRunner()
        let expectation = try ReplayExpectation(lines: lines, partitions: Self.partitions, wallClock: RuntimeTestDriver.start)
        expectation.expectMatches(driver, unordered: [driver.topics.sessions])
    }

    @Test("A cluster that stops acknowledging holds input at the queue limit; when it answers again, processing resumes")
    func backpressure() throws {
        let lines = Self.lines(seed: 9)
        let driver = RuntimeTestDriver(partitions: Self.partitions) {
            $0.kafka.properties["queue.buffering.max.messages"] = "100"
        }
        try driver.startRunner()
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] })
        driver.logs.acknowledging = false
        driver.pipe(lines)
        #expect(try driver.runUntil { driver.runner.state == .holdingInput })
        let processed = driver.runner.summarySoFar.lastMessageAt
        try driver.runRounds(5)
        #expect(driver.runner.state == .holdingInput)
        #expect(driver.runner.summarySoFar.lastMessageAt == processed, "input went on while held")
        driver.logs.acknowledging = true
        #expect(try Self.runUntilCheckpointed(driver))
        try driver.stopRunner()
        #expect(driver.runner.summarySoFar.backpressurePauses >= 1)
        let expectation = try ReplayExpectation(lines: lines, partitions: Self.partitions, wallClock: RuntimeTestDriver.start)
        expectation.expectMatches(driver)
    }

    @Test("Snapshots are spread: at most one partition writes one per checkpoint, and every partition gets its turn")
    func snapshotsAreSpread() throws {
        let driver = RuntimeTestDriver(partitions: 4) { $0.pipeline.snapshotInterval = .seconds(2) }
        try driver.startRunner()
        driver.assign([0, 1, 2, 3])
        let lines = ReplayExpectation.lines(users: 80, days: 30, seed: 10, partitions: 4)
        for chunk in stride(from: 0, to: lines.count, by: 200) {
            driver.pipe(Array(lines[chunk..<min(lines.count, chunk + 200)]))
            try driver.runRounds(5)
            driver.clock.advance(by: 1)
            try driver.runRounds(5)
        }
        #expect(try Self.runUntilCheckpointed(driver, partitions: [0, 1, 2, 3]))
        var snapshotsAt: [Int64: [Int32]] = [:]
        for p: Int32 in 0..<4 {
            for checkpoint in try driver.checkpoints(p) where checkpoint.completesSnapshot {
                snapshotsAt[checkpoint.writtenAt, default: []].append(p)
            }
        }
        let together = snapshotsAt.filter { $0.value.count > 1 }
        #expect(together.isEmpty, "partitions snapshotting at one checkpoint: \(together.values.map { $0.sorted() })")
        #expect(Set(snapshotsAt.values.flatMap { $0 }) == [0, 1, 2, 3], "a partition never got to snapshot")
        try driver.stopRunner()
    }

    // MARK: - Client errors

    @Test("Client errors are counted, and logged once per kind and client every 10 s")
    func clientErrorsAreCountedAndRateLimited() throws {
        let driver = RuntimeTestDriver(partitions: 1)
        try driver.startRunner()
        let transport = KafkaError(kind: .broker, code: KafkaErrorCode(rawValue: -195), reason: "127.0.0.1:9092/1: Connect failed")
        for _ in 0..<3 { driver.logs.reportProducerError(transport) }
        driver.logs.reportConsumerError(transport)
        let producer = ClientErrorKind(client: .producer, code: transport.code.name)
        let consumer = ClientErrorKind(client: .consumer, code: transport.code.name)
        func lines(_ client: String) -> Int { driver.log.messages.filter { $0.contains("warning: \(client): ") }.count }
        // The writer thread counts, then logs: wait for both.
        #expect(try driver.runUntil {
            driver.runner.clientErrorCounts[producer] == 3 && driver.runner.clientErrorCounts[consumer] == 1
                && lines("producer") >= 1 && lines("consumer") >= 1
        })
        try driver.runRounds(10)
        #expect(lines("producer") == 1)
        #expect(lines("consumer") == 1)
        driver.clock.advance(by: 10)
        driver.logs.reportProducerError(transport)
        #expect(try driver.runUntil { driver.runner.clientErrorCounts[producer] == 4 && lines("producer") >= 2 })
        #expect(lines("producer") == 2)
        #expect(driver.log.contains("(2 more like it in the last 10 s)"))
        try driver.stopRunner()
    }

    @Test("A fatal producer error stops the runner with an error that says so")
    func fatalProducerError() throws {
        let driver = RuntimeTestDriver(partitions: 1)
        try driver.startRunner()
        driver.pipe(Self.lines().prefix(50).map { $0 })
        driver.assign([0])
        driver.logs.raiseFatalProducerError(KafkaError(
            kind: .broker, code: KafkaErrorCode(rawValue: 45), reason: "producer fenced", isFatal: true))
        let error = #expect(throws: PipelineError.self) {
            try driver.runUntil { false }
        }
        #expect(error?.description.contains("the producer cannot go on") == true)
        #expect(error?.description.contains("producer fenced") == true)
    }

    // MARK: - Live time

    @Test("A silent partition's watermark follows the clock after idle_advance: silent users turn dormant and churned")
    func idlePartitionsFollowTheClock() throws {
        let readyFile = ScratchDirectory.path("ready")
        let driver = RuntimeTestDriver(partitions: 2) {
            $0.pipeline.idleAdvance = .seconds(60)
            $0.readyFile = readyFile
        }
        let now = Int64(RuntimeTestDriver.start.timeIntervalSince1970 * 1000)
        let day: Int64 = 86_400_000
        try "left behind by a killed process".write(toFile: readyFile, atomically: true, encoding: .utf8)
        try driver.startRunner()
        #expect(!FileManager.default.fileExists(atPath: readyFile), "a ready file left behind survived the start")
        driver.pipe([
            #"{"event_id":"a1","user_id":"gone-100-days","type":"login","ts":\#(now - 100 * day)}"#,
            #"{"event_id":"b1","user_id":"gone-40-days","type":"login","ts":\#(now - 40 * day)}"#,
        ])
        driver.assign([0, 1])
        #expect(try driver.runUntil { (try? String(contentsOfFile: readyFile, encoding: .utf8)) == "events/0\nevents/1\n" })
        func types(_ user: String) -> [String] {
            (driver.valuesByUser(driver.topics.alerts)[user] ?? []).map { line in
                ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["type"] as? String ?? "?"
            }
        }
        // The events alone move the watermarks to 40 days ago at most.
        try driver.runRounds(10)
        #expect(!types("gone-100-days").contains("churned") && types("gone-40-days").isEmpty)
        driver.clock.advance(by: 59)
        try driver.runRounds(10)
        #expect(!types("gone-100-days").contains("churned") && types("gone-40-days").isEmpty, "alerts before idle_advance")
        driver.clock.advance(by: 2)
        #expect(try driver.runUntil { types("gone-100-days") == ["dormant", "churned"] && types("gone-40-days") == ["dormant"] })
        try driver.stopRunner()
        #expect(!FileManager.default.fileExists(atPath: readyFile))
    }

    @Test("A producer without idempotence is refused at start: checkpoints rely on ordered writes")
    func idempotenceOffIsRefused() throws {
        let driver = RuntimeTestDriver(partitions: 1) { $0.kafka.properties["enable.idempotence"] = "false" }
        let error = #expect(throws: PipelineError.self) { try driver.startRunner() }
        #expect(error?.kind == .configuration)
        #expect(error?.description.contains("enable.idempotence") == true)
    }
}
