import Foundation
import RevisitKafka
import RevisitTestSupport
import Testing

/// `revisit run` as separate processes on noida-db, a second Kafka implementation that does
/// what the mock cluster does not (SPEC 8): it deletes by time (a segment whose newest record
/// is older than `retention.ms`, 7 days by default, goes within a second), it takes the topic
/// configs Revisit gives the topics it creates, and it can be stopped and started again with
/// its data kept. The outputs must equal the file replay of the same events all the same.
///
/// noida-db's group coordinator answers a JoinGroup slowly (100 s and more) while a member
/// that died without leaving is still in the group, and it keeps no group state across a
/// restart: so one `revisit run` at a time, and after a `kill -9` the broker is restarted
/// before the next run starts.
@Suite("revisit run on noida-db, a broker with retention and restarts", .serialized)
struct RealBrokerPipelineTests {
    static let users = 500
    static let days = 70

    /// Midnight (UTC) of the first day of `days` days of events that all lie more than a
    /// year before now: a backfill of last year's activity.
    static func aYearAgo(days: Int = days) -> Int64 {
        let day: Int64 = 86_400_000
        let today = Int64(Date().timeIntervalSince1970 * 1000) / day * day
        return today - Int64(365 + 30 + days) * day
    }

    @Test("A catch-up of events a year old keeps every output: retention deletes none of what Revisit wrote")
    func catchUpOfOldEvents() throws {
        let fixture = try PipelineFixture(users: Self.users, days: Self.days, start: Self.aYearAgo(), seed: 21, on: .noida)
        try fixture.produce(0..<fixture.lines.count)
        let run = try fixture.startRun()
        try fixture.waitForNoLag(timeout: 90, of: [run])
        #expect(run.terminate(timeout: 45) == .exited(0))
        // Retention acts within about half a second of a segment's expiry on noida-db; give it
        // time to delete whatever the output topics' settings let it delete.
        Thread.sleep(forTimeInterval: 3)
        try expectNothingDeleted(fixture)
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([run.stdout], messages: fixture.lines.count)
    }

    @Test("The broker stopped and started again mid-stream, its data kept: the pipeline reconnects, and the outputs equal the file replay")
    func brokerRestart() throws {
        let fixture = try PipelineFixture(users: Self.users, days: Self.days, start: Self.aYearAgo(), seed: 22, on: .noida)
        let broker = try #require(fixture.cluster.noida)
        let split = fixture.lines.count / 2
        try fixture.produce(0..<split)
        let run = try fixture.startRun()
        // Stopped between the two halves, while the run is connected and a member of the group
        // but writes nothing, and after noida-db saved what it wrote (within about a second of
        // a change): noida-db 0.2.3 can lose writes it acknowledged while a stop comes, which
        // no client could make up for.
        try fixture.waitForNoLag(timeout: 60, of: [run])
        Thread.sleep(forTimeInterval: 1.5)
        broker.stop()
        Thread.sleep(forTimeInterval: 3)
        try broker.restart()
        try fixture.produce(split..<fixture.lines.count)
        try fixture.waitForNoLag(timeout: 90, of: [run])
        #expect(run.terminate(timeout: 45) == .exited(0))
        let input = try fixture.read("events")
        #expect(input.map { String(decoding: $0.value, as: UTF8.self) }.sorted() == fixture.lines.sorted())
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([run.stdout], messages: fixture.lines.count)
        // The restart cost the run its group membership: it took its partitions back and
        // restored them.
        #expect(run.stderr.contains("were lost to the group"))
    }

    @Test("kill -9 during a catch-up of old events, the broker restarted, then a new revisit run: no output lost, none twice")
    func killDuringCatchUp() throws {
        let fixture = try PipelineFixture(users: Self.users, days: Self.days, start: Self.aYearAgo(), seed: 23, on: .noida)
        let broker = try #require(fixture.cluster.noida)
        try fixture.produce(0..<fixture.lines.count)
        // Killed between two checkpoints (200 ms apart) with outputs written past the last
        // one: after its first checkpoint past the start, as soon as the output topics grew
        // (a kill at a fixed delay can find the run waiting for its next fetch, with nothing
        // written since, on a loaded machine).
        let victim = try fixture.startRun(["--set", "checkpoint_interval=200ms"])
        #expect(Self.waitForCheckpointPastTheStart(of: victim))
        #expect(try fixture.waitForOutputs(growingBy: 50, while: victim))
        #expect(victim.kill() == .signaled(9))
        let remaining = try fixture.remainingInput()
        #expect(remaining > 0, "the victim processed every event before it was killed")

        // The restart makes noida-db forget the dead member, which would otherwise hold up the
        // next JoinGroup. It keeps the data that noida-db saved, which it does within about a
        // second of a change: writes acknowledged just before its stop can be lost.
        Thread.sleep(forTimeInterval: 1.5)
        try broker.restart()
        let replacement = try fixture.startRun()
        try fixture.waitForNoLag(timeout: 90, of: [replacement])
        #expect(replacement.terminate(timeout: 45) == .exited(0))
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([replacement.stdout], messages: fixture.lines.count)
        // The replacement went on from the victim's checkpoints, not from the beginning, and
        // found outputs the victim wrote after its last one.
        let summary = try JSONSerialization.jsonObject(with: Data(replacement.stdout.utf8)) as! [String: Any]
        #expect(summary["restored_users"] as? Int ?? 0 > 0)
        #expect(summary["messages"] as? Int ?? 0 < fixture.lines.count)
        #expect(summary["outputs_already_written"] as? Int ?? 0 > 0)
    }

    @Test("revisit run refuses existing topics whose settings could delete what a restart needs, and overrides that would create them")
    func refusesUnsafeTopicSettings() throws {
        let broker = try NoidaBroker()
        // The alerts topic made with the cluster's defaults: deleted 7 days after the event time.
        _ = try KafkaAdmin(configuration: broker.kafka).createTopics([
            NewTopic(name: "events", partitions: 4), NewTopic(name: "revisit.alerts", partitions: 4),
        ])
        let refused = try RevisitProcess.revisit(["run", "--brokers", broker.bootstrapServers, "--exit-when-caught-up"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("the alerts topic revisit.alerts has retention.ms=604800000"))
        #expect(refused.stderr.contains("fix it with: kafka-configs.sh --bootstrap-server \(broker.bootstrapServers) "
            + "--alter --entity-type topics --entity-name revisit.alerts --add-config message.timestamp.type=LogAppendTime"))
        // Nothing was created.
        let topics = try KafkaAdmin(configuration: broker.kafka).listTopics().map(\.name).filter { !$0.hasPrefix("__") }
        #expect(topics.sorted() == ["events", "revisit.alerts"])

        let override = try RevisitProcess.revisit([
            "run", "--brokers", broker.bootstrapServers, "--set", "topic_configs.sessions.message.timestamp.type=CreateTime",
        ])
        #expect(override.status != 0)
        #expect(override.stderr.contains(
            "--set topic_configs.sessions.message.timestamp.type=CreateTime: topic_configs.sessions.message.timestamp.type: "
                + "the sessions topic would be created with retention.ms=604800000"))
    }

    // MARK: - Helpers

    /// Expects every partition of every output topic to start at offset 0: nothing was
    /// deleted from it. (Whether compaction removed records the comparison with the file
    /// replay shows.)
    private func expectNothingDeleted(_ fixture: PipelineFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: fixture.kafka, groupID: nil))
        let configs = try KafkaAdmin(configuration: fixture.kafka).describeTopicConfigs(PipelineFixture.outputTopics)
        for topic in PipelineFixture.outputTopics {
            var deleted: [String] = []
            for p in 0..<Int32(PipelineFixture.partitions) {
                let (low, high) = try consumer.watermarks(of: TopicPartition(topic, p))
                if low > 0 { deleted.append("\(p): \(low) of \(high)") }
            }
            let settings = ["cleanup.policy", "retention.ms", "message.timestamp.type"]
                .map { "\($0)=\(configs[topic]?[$0]?.value ?? "?")" }.joined(separator: " ")
            let nothingDeleted = deleted.isEmpty
            #expect(nothingDeleted, "\(topic) (\(settings)): records deleted from the start of partitions \(deleted)",
                    sourceLocation: sourceLocation)
        }
    }

    /// Waits until `child` logged a checkpoint at an input offset past 0 (the first checkpoint
    /// of each partition, at its start, is at 0); `false` after `timeout` seconds.
    static func waitForCheckpointPastTheStart(of child: RevisitProcess.Child, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning, Date() < deadline {
            if child.stderr.range(of: "durable at input offset [1-9]", options: .regularExpression) != nil { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}
