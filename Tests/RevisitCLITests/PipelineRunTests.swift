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
            #expect(victim.waitForStderr(containing: "durable at input offset", timeout: 30))
            Thread.sleep(forTimeInterval: 0.3)
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
        #expect(producer.waitForExit(timeout: 120) == .exited(0))
        try fixture.waitForNoLag()
        #expect(survivor.terminate() == .exited(0))
        #expect(replacement.terminate() == .exited(0))
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([survivor.stdout, replacement.stdout], messages: fixture.lines.count)
        #expect((survivor.stderr + replacement.stderr).contains("outputs already written") )
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
        try fixture.waitForNoLag()
        #expect(second.terminate() == .exited(0))
        #expect(third.terminate() == .exited(0))
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([second.stdout, third.stdout], messages: fixture.lines.count)
        // The second group started from the state, not from the beginning of the input.
        let restored = try [second.stdout, third.stdout].map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["restored_users"] as! Int
        }
        #expect(restored.reduce(0, +) > 0)
    }

    @Test("The broker down for 4 s mid-stream: processing pauses and resumes, nothing lost, nothing twice")
    func brokerOutage() throws {
        let fixture = try PipelineFixture(seed: 13)
        let split = fixture.lines.count * 3 / 10
        try fixture.produce(0..<split)
        let run = try fixture.startRun(["-X", "session.timeout.ms=10000"])
        #expect(run.waitForStderr(containing: "durable at input offset", timeout: 60))
        try fixture.broker.down()
        Thread.sleep(forTimeInterval: 4)
        try fixture.broker.up()
        try fixture.produce(split..<fixture.lines.count)
        try fixture.waitForNoLag()
        #expect(run.terminate() == .exited(0))
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([run.stdout], messages: fixture.lines.count)
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
