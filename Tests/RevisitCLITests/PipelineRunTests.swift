import Foundation
import Testing

/// `revisit run` as separate processes on a `revisit broker` process (SPEC 8): crashes,
/// restarts and a broker outage change nothing in the outputs, which equal the file replay
/// of the same events: no output missing, none twice, broken events in the dead-letter topic.
@Suite("revisit run: crashes, restarts and outages on revisit broker", .serialized)
struct PipelineRunTests {
    enum KillPoint: String, CaseIterable, CustomTestStringConvertible {
        /// While it processes a stream of new messages.
        case midStream
        /// Right after it made a checkpoint durable.
        case afterCheckpoint
        /// The replacement too is killed as soon as it is assigned partitions, while restoring.
        case duringRestore

        var testDescription: String { rawValue }
    }

    @Test("kill -9 of one of two processes, then a new one: the outputs equal the file replay", arguments: KillPoint.allCases)
    func killAndReplace(at point: KillPoint) throws {
        let fixture = try PipelineFixture(seed: 11)
        let split = fixture.lines.count * 6 / 10
        try fixture.produce(0..<split)
        let victim = try fixture.startRun()
        #expect(victim.waitForStderr(containing: "restored partition", timeout: 60))
        let survivor = try fixture.startRun()
        #expect(survivor.waitForStderr(containing: "restored partition", timeout: 60))
        try fixture.waitForNoLag(of: [victim, survivor])

        let producer = try fixture.startProducing(split..<fixture.lines.count)
        switch point {
        case .midStream:
            // Killed with outputs written after its last checkpoint, which its successor must
            // find and not write again.
            #expect(victim.waitForStderr(containing: "durable at input offset", timeout: 30))
            #expect(try fixture.waitForOutputs(growingBy: 100, while: victim))
        case .afterCheckpoint, .duringRestore:
            let before = victim.stderr.components(separatedBy: "durable at input offset").count
            let deadline = Date().addingTimeInterval(30)
            while victim.stderr.components(separatedBy: "durable at input offset").count == before, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        #expect(victim.kill() == .signaled(9))
        if point == .duringRestore {
            let interrupted = try fixture.startRun()
            #expect(interrupted.waitForStderr(containing: "assigned partitions", timeout: 60))
            #expect(interrupted.kill() == .signaled(9))
        }
        let replacement = try fixture.startRun()
        // Running, not only started: a signal before then would end it the default way.
        #expect(replacement.waitForStderr(containing: "joining group", timeout: 30))
        #expect(producer.waitForExit(timeout: 120) == .exited(0))
        try fixture.waitUntilHeld(by: [survivor, replacement])
        try fixture.waitForNoLag()
        // Both stop at once: each partition is held by one of them when they do.
        try PipelineFixture.terminateTogether([survivor, replacement])
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([survivor.stdout, replacement.stdout], messages: fixture.lines.count)
        // The survivor keeps its partitions through the group changes: only the victim's move.
        #expect(!survivor.stderr.contains("were lost to the group"), "the survivor lost its partitions when the group changed")
        if point == .midStream {
            let found = try [survivor.stdout, replacement.stdout].map { summary in
                let object = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
                return object?["outputs_already_written"] as? Int ?? 0
            }
            #expect(found.reduce(0, +) > 0, "no restore found the victim's outputs after its checkpoint")
        }
    }

    @Test("SIGTERM stops the whole group cleanly; a new group resumes from the state topic with the same outputs")
    func restartTheWholeGroup() throws {
        let fixture = try PipelineFixture(seed: 12)
        let split = fixture.lines.count / 2
        try fixture.produce(0..<split)
        let first = try fixture.startRun()
        try fixture.waitForNoLag()
        #expect(first.terminate(timeout: 40) == .exited(0))
        #expect(first.stderr.contains("stopping: writing the last checkpoint"))

        try fixture.produce(split..<fixture.lines.count)
        let second = try fixture.startRun()
        let third = try fixture.startRun()
        #expect(second.waitForStderr(containing: "joining group", timeout: 30))
        #expect(third.waitForStderr(containing: "joining group", timeout: 30))
        try fixture.waitUntilHeld(by: [second, third])
        try fixture.waitForNoLag()
        try PipelineFixture.terminateTogether([second, third])
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([second.stdout, third.stdout], messages: fixture.lines.count)
        // The second group started from the state, not from the beginning of the input.
        let restored = try [second.stdout, third.stdout].map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["restored_users"] as! Int
        }
        #expect(restored.reduce(0, +) > 0)
    }

    @Test("The broker down for 4 s mid-stream, with a small producer queue: input pauses and resumes, nothing lost, nothing twice")
    func brokerOutage() throws {
        let fixture = try PipelineFixture(seed: 13)
        let split = fixture.lines.count * 3 / 10
        try fixture.produce(0..<split)
        // Outputs of the input fetched before the outage cannot be delivered during it: a
        // queue of 1000 messages fills, and input must pause rather than memory grow.
        let run = try fixture.startRun(["-X", "session.timeout.ms=10000", "-X", "queue.buffering.max.messages=1000"])
        #expect(run.waitForStderr(containing: "durable at input offset", timeout: 60))
        let producer = try fixture.startProducing(split..<fixture.lines.count)
        // Down while the new events are being processed.
        #expect(try fixture.waitForOutputs(growingBy: 50, while: run))
        let broker = try #require(fixture.cluster.mock)
        try broker.down()
        Thread.sleep(forTimeInterval: 4)
        try broker.up()
        #expect(producer.waitForExit(timeout: 120) == .exited(0))
        try fixture.waitForNoLag(timeout: 60, of: [run])
        #expect(run.terminate() == .exited(0))
        // The producer goes on through the outage, and a retry of it may leave some lines in
        // the input twice: the pipeline is judged against the input as the topic holds it,
        // which must still hold every line.
        let input = try fixture.read("events")
        #expect(Set(input.map { String(decoding: $0.value, as: UTF8.self) }) == Set(fixture.lines))
        let expected = input.count == fixture.lines.count ? fixture.expected : try fixture.replayOfInputTopic(input)
        try fixture.expectOutputsMatchReplay(expected)
        try PipelineFixture.reconcile([run.stdout], messages: input.count)
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        #expect(summary["backpressure_pauses"] as! Int > 0)
    }

    @Test("SIGTERM while the broker is down: the process exits within 30 s without its last checkpoint; the next run redoes the rest")
    func stopDuringAnOutage() throws {
        let fixture = try PipelineFixture(seed: 14)
        let split = fixture.lines.count / 2
        try fixture.produce(0..<split)
        let run = try fixture.startRun(["-X", "session.timeout.ms=10000"])
        #expect(run.waitForStderr(containing: "durable at input offset", timeout: 60))
        try fixture.waitForNoLag(of: [run])
        let broker = try #require(fixture.cluster.mock)
        // The rest arrives just before the outage: its outputs and checkpoint cannot be
        // acknowledged when the stop comes.
        try fixture.produce(split..<fixture.lines.count)
        try broker.down()
        #expect(run.waitForStderr(containing: "retries by itself", timeout: 30))
        let stoppedAt = Date()
        #expect(run.terminate(timeout: 40) == .exited(0))
        let seconds = Date().timeIntervalSince(stoppedAt)
        #expect(seconds < 30, "stopping during the outage took \(seconds) s")
        try broker.up()
        let next = try fixture.startRun()
        try fixture.waitForNoLag(of: [next])
        #expect(next.terminate() == .exited(0))
        try fixture.expectOutputsMatchReplay()
    }

    @Test("A missing output topic on a cluster that cannot create topics stops revisit run with a plain message")
    func missingTopic() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:4"])
        defer { _ = broker.stop() }
        let run = try RevisitProcess.revisit(["run", "--brokers", broker.bootstrap])
        #expect(run.status != 0)
        #expect(run.stderr.contains("revisit.profiles"))
        #expect(run.stderr.contains("could not be created") || run.stderr.contains("cannot be created") || run.stderr.contains("not created"))
    }
}
