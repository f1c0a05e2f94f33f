import Foundation
import RevisitCore
import RevisitKafka
import RevisitTestSupport
import Testing

/// A pipeline on a broker process (``PipelineCluster``: the mock cluster of `revisit broker`,
/// or noida-db) for multi-process tests: generated events (with broken ones mixed in), what
/// the file replay of the same events gives, and ways to read the output topics and wait
/// until the group has no lag.
final class PipelineFixture {
    static let partitions = 8
    static let outputTopics = ["revisit.profiles", "revisit.sessions", "revisit.alerts", "revisit.dlq", "revisit.metrics"]

    let cluster: PipelineCluster
    let directory: String
    /// Every input line in produce order.
    let lines: [String]
    let expected: Expected

    /// What the file replay gives for the same lines, per user, in order.
    struct Expected {
        var profiles: [String: [String]]
        var sessions: [String: [String]]
        var alerts: [String: [String]]
        /// Dead-letter reason codes, sorted.
        var deadLetterReasons: [String]
        /// The daily aggregates of each partition, in date order.
        var metrics: [Int32: [String]]
    }

    /// `users` generated users over `days` days from `start` (epoch milliseconds; the
    /// simulator's default when `nil`), then one clock event per partition far enough ahead
    /// that every partition's watermark passes every timer the events cause, on a cluster of
    /// `kind`.
    init(users: Int = 700, days: Int = 100, start: Int64? = nil, seed: UInt64, on kind: PipelineCluster.Kind = .mock) throws {
        directory = NSTemporaryDirectory() + "revisit-pipeline-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var simulator = ActivitySimulator(users: users, days: days, seed: seed, invalidRate: 0.004)
        if let start { simulator.start = start }
        let (events, _) = simulator.generate()
        lines = events.map(\.line) + ClockEvents.lines(after: events.map(\.ts).max()!, partitions: Self.partitions)
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/events.jsonl", atomically: true, encoding: .utf8)
        expected = try Self.replay(directory: directory)
        cluster = try PipelineCluster.start(kind, partitions: Self.partitions)
    }

    deinit {
        cluster.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The file replay of the lines with the live pipeline's partitioning. Its last profiles
    /// are the end-of-input ones (one per user), which a live pipeline never emits.
    static func replay(directory: String, input: String = "events.jsonl") throws -> Expected {
        let out = directory + "/replay-" + input
        let run = try RevisitProcess.revisit([
            "replay", "--input", directory + "/" + input, "--out", out, "--partitions", String(partitions),
        ])
        guard run.status == 0 else { throw FixtureError("file replay failed: \(run.stderr)") }
        func lines(_ file: String) throws -> [String] {
            try String(contentsOfFile: out + "/" + file, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        var profiles = try lines("profiles.jsonl")
        let users = Set(profiles.map(userID))
        profiles.removeLast(users.count)
        let reasons = try lines("dlq.jsonl").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return object["error"] as! String
        }
        var metrics: [Int32: [String]] = [:]
        for line in try lines("metrics.jsonl") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            metrics[Int32(object["partition"] as! Int), default: []].append(line)
        }
        return Expected(
            profiles: byUser(profiles), sessions: byUser(try lines("sessions.jsonl")),
            alerts: byUser(try lines("alerts.jsonl")), deadLetterReasons: reasons.sorted(), metrics: metrics)
    }

    // MARK: - Driving the pipeline

    /// Produces lines `range` to the input topic with `revisit produce`.
    func produce(_ range: Range<Int>) throws {
        let run = try RevisitProcess.revisit(
            ["produce", "--topic", "events", "--brokers", cluster.bootstrap],
            input: Data((lines[range].joined(separator: "\n") + "\n").utf8))
        guard run.status == 0 else { throw FixtureError("produce failed: \(run.stderr)") }
    }

    /// Starts producing lines `range` with a `revisit produce` process, which goes on while
    /// the test does something else.
    func startProducing(_ range: Range<Int>) throws -> RevisitProcess.Child {
        let file = directory + "/part-\(range.lowerBound)-\(range.upperBound).jsonl"
        try (lines[range].joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return try RevisitProcess.Child(
            ["-c", #"exec "$0" produce --topic events --brokers "$1" < "$2""#, RevisitProcess.binary.path, cluster.bootstrap, file],
            executable: URL(fileURLWithPath: "/bin/sh"))
    }

    /// Starts a `revisit run` process of the pipeline, with a ready file of its own.
    func startRun(_ extra: [String] = []) throws -> RevisitProcess.Child {
        let readyFile = directory + "/ready-\(UUID().uuidString)"
        let child = try RevisitProcess.Child(
            ["run", "--brokers", cluster.bootstrap, "-X", "session.timeout.ms=6000", "--log-level", "debug",
             "--ready-file", readyFile,
             // The wall clock must not move the watermarks: the outputs are compared with a replay.
             "--set", "idle_advance=1d"] + extra)
        readyFiles[child.pid] = readyFile
        return child
    }

    private var readyFiles: [Int32: String] = [:]

    /// Waits until `processes` together hold every input partition, each exactly once, as
    /// their ready files list them.
    func waitUntilHeld(by processes: [RevisitProcess.Child], timeout: TimeInterval = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var held: [String] = []
        while Date() < deadline {
            held = processes.flatMap { process in
                let listing = readyFiles[process.pid].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
                return listing.split(separator: "\n").map(String.init)
            }
            if held.count == Self.partitions, Set(held).count == Self.partitions { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw FixtureError("the processes hold \(held.sorted()), not each of the \(Self.partitions) partitions once")
    }

    /// Waits until the group's committed offsets reach the end of every input partition:
    /// every message is processed and its effects are durable.
    func waitForNoLag(timeout: TimeInterval = 30, of processes: [RevisitProcess.Child] = []) throws {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: "revisit"))
        let deadline = Date().addingTimeInterval(timeout)
        var lagging: [String] = []
        var exited = false
        while Date() < deadline {
            lagging = try Self.lag(consumer).map { "\($0.partition): \($0.committed)/\($0.high)" }
            if lagging.isEmpty { return }
            // Nothing more will move once every process watched has exited.
            exited = !processes.isEmpty && processes.allSatisfy { !$0.isRunning }
            if exited { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let logs = processes.map { process in
            process.stderr.split(separator: "\n").filter { !$0.contains("librdkafka=") }.suffix(15).joined(separator: "\n")
        }
        // The reporter shows an error's first line only: the logs go to the output.
        print(logs.joined(separator: "\n---\n"))
        throw FixtureError(exited
            ? "every process exited with lag left: \(lagging); exits: \(processes.map { "\($0.waitForExit(timeout: 0).map(\.description) ?? "-")" })"
            : "the group still has lag after \(Int(timeout)) s: \(lagging)")
    }

    /// The input partitions `child` holds, as its ready file lists them.
    func partitions(heldBy child: RevisitProcess.Child) -> [Int32] {
        let listing = readyFiles[child.pid].flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        return listing.split(separator: "\n").compactMap { $0.split(separator: "/").last.flatMap { Int32($0) } }
    }

    /// Waits until the output partitions that `child` writes (those of the input partitions
    /// it holds) together hold `count` more messages than now, while it runs; `false` after
    /// `timeout` seconds.
    func waitForOutputs(growingBy count: Int64, while child: RevisitProcess.Child, timeout: TimeInterval = 30) throws -> Bool {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: nil))
        // Before its ready file lists any, the child may hold any partition.
        let listed = partitions(heldBy: child)
        let held = listed.isEmpty ? Array(0..<Int32(Self.partitions)) : listed
        func total() throws -> Int64 {
            var sum: Int64 = 0
            for topic in Self.outputTopics {
                for p in held {
                    sum += (try? consumer.watermarks(of: TopicPartition(topic, p)).high) ?? 0
                }
            }
            return sum
        }
        let start = try total()
        let deadline = Date().addingTimeInterval(timeout)
        while child.isRunning, Date() < deadline {
            if try total() >= start + count { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// How many input messages the group's committed offsets have not reached yet.
    func remainingInput() throws -> Int64 {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: "revisit"))
        return try Self.lag(consumer).map { $0.high - $0.committed }.reduce(0, +)
    }

    /// The input partitions whose committed offset (0 when none) is below their end.
    private static func lag(_ consumer: KafkaConsumer) throws -> [(partition: Int32, committed: Int64, high: Int64)] {
        let partitions = (0..<Int32(Self.partitions)).map { TopicPartition("events", $0) }
        let committed = try consumer.committed(partitions)
        return try partitions.compactMap { partition in
            let high = try consumer.watermarks(of: partition).high
            let done = (committed[partition] ?? nil) ?? 0
            return done < high ? (partition.partition, done, high) : nil
        }
    }

    var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: cluster.bootstrap, clientID: "revisit-test", properties: ["log_level": "2"])
    }

    // MARK: - Checking the outputs

    /// Every message of a topic, partition by partition.
    func read(_ topic: String) throws -> [ConsumedMessage] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: nil))
        var ends: [TopicPartition: Int64] = [:]
        var starts: [TopicPartitionOffset] = []
        for p in 0..<Int32(Self.partitions) {
            let partition = TopicPartition(topic, p)
            let (low, high) = try consumer.watermarks(of: partition)
            if high > low {
                ends[partition] = high
                starts.append(TopicPartitionOffset(partition, offset: low))
            }
        }
        var messages: [ConsumedMessage] = []
        guard !starts.isEmpty else { return [] }
        try consumer.assign(starts)
        let deadline = Date().addingTimeInterval(60)
        while !ends.isEmpty, Date() < deadline {
            for message in try consumer.poll(timeoutMilliseconds: 200).messages {
                messages.append(message)
                if let end = ends[message.topicPartition], message.offset + 1 >= end { ends[message.topicPartition] = nil }
            }
        }
        guard ends.isEmpty else { throw FixtureError("could not read \(topic) to its end") }
        return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }

    /// The file replay of the input topic as it holds the events, partition by partition in
    /// offset order: what the pipeline must match when a producer's retry may have written
    /// some lines twice.
    func replayOfInputTopic(_ input: [ConsumedMessage]) throws -> Expected {
        let file = "events-as-written.jsonl"
        let text = input.map { String(decoding: $0.value, as: UTF8.self) + "\n" }.joined()
        try text.write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        return try Self.replay(directory: directory, input: file)
    }

    /// Checks the output topics against the file replay (of the lines, or `expected`): each
    /// user's profiles, sessions and alerts in the same order with the same bytes (so none
    /// missing, none twice), each in its user's partition, each partition's daily aggregates
    /// the same, in date order, keyed by date, and the dead letters with the same reasons.
    func expectOutputsMatchReplay(_ expected: Expected? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = expected ?? self.expected
        let topics = try Self.outputTopics.map { ($0, try read($0)) }
        for (topic, messages) in topics where topic != "revisit.dlq" && topic != "revisit.metrics" {
            let expectation: [String: [String]] = topic == "revisit.profiles" ? expected.profiles
                : topic == "revisit.sessions" ? expected.sessions : expected.alerts
            var actual: [String: [String]] = [:]
            for message in messages {
                let user = String(decoding: message.key ?? [], as: UTF8.self)
                actual[user, default: []].append(String(decoding: message.value, as: UTF8.self))
                #expect(Int(message.partition) == KafkaPartitioner.partition(of: user, count: Self.partitions),
                        "\(topic): a record of \(user) in partition \(message.partition)", sourceLocation: sourceLocation)
            }
            // Through a constant: the expectation would print both dictionaries in full.
            let same = Self.same(actual, expectation, topic)
            #expect(same, "\(topic) differs from the file replay", sourceLocation: sourceLocation)
        }
        var metrics: [Int32: [String]] = [:]
        for message in topics.first(where: { $0.0 == "revisit.metrics" })!.1 {
            let value = String(decoding: message.value, as: UTF8.self)
            metrics[message.partition, default: []].append(value)
            let date = (try JSONSerialization.jsonObject(with: Data(message.value)) as! [String: Any])["date"] as! String
            #expect(message.key == Array(date.utf8), "revisit.metrics: the key of \(value)", sourceLocation: sourceLocation)
        }
        #expect(expected.metrics.values.map(\.count).reduce(0, +) > 100, sourceLocation: sourceLocation)
        for p in Set(metrics.keys).union(expected.metrics.keys).sorted() {
            // The records themselves would make the message unreadably long.
            let same = (metrics[p] ?? []) == (expected.metrics[p] ?? [])
            let run = metrics[p]?.count ?? 0, replay = expected.metrics[p]?.count ?? 0
            #expect(same, "revisit.metrics partition \(p): \(run) daily records, the file replay \(replay)",
                    sourceLocation: sourceLocation)
        }
        let deadLetters = topics.first { $0.0 == "revisit.dlq" }!.1
        let reasons = deadLetters.map { message in
            String(decoding: message.headers.first { $0.name == "revisit.error" }?.value ?? [], as: UTF8.self)
        }
        #expect(reasons.sorted() == expected.deadLetterReasons, sourceLocation: sourceLocation)
        #expect(!expected.deadLetterReasons.isEmpty, sourceLocation: sourceLocation)
    }

    /// Reports the first user whose records differ, instead of everything.
    static func same(_ actual: [String: [String]], _ expected: [String: [String]], _ topic: String) -> Bool {
        for user in Set(actual.keys).union(expected.keys).sorted() {
            let a = actual[user] ?? [], e = expected[user] ?? []
            guard a != e else { continue }
            let i = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
            Issue.record("\(topic): \(user) has \(a.count) records, the file replay \(e.count); first difference at \(i):\n  run:    \(i < a.count ? a[i] : "-")\n  replay: \(i < e.count ? e[i] : "-")")
            return false
        }
        return true
    }

    /// Input messages = applied + duplicates + dead letters + still buffered, over the
    /// partitions the given stopped processes held at the end (each partition once).
    static func reconcile(_ summaries: [String], messages: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var partitions: [String: [String: Int]] = [:]
        for line in summaries {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for (p, counters) in object["held_at_stop"] as! [String: [String: Int]] {
                #expect(partitions[p] == nil, "partition \(p) held by two processes", sourceLocation: sourceLocation)
                partitions[p] = counters
            }
        }
        #expect(partitions.count == Self.partitions, sourceLocation: sourceLocation)
        let total = partitions.values.reduce(into: [String: Int]()) { sum, counters in sum.merge(counters, uniquingKeysWith: +) }
        #expect(total["received"] == messages, sourceLocation: sourceLocation)
        let accounted = total["applied", default: 0] + total["duplicates", default: 0] + total["dead_letters", default: 0]
            + total["buffered", default: 0]
        #expect(accounted == messages, sourceLocation: sourceLocation)
        // The clock events of the end wait in the buffer: the watermark trails them.
        #expect(total["buffered", default: 0] >= partitions.count, sourceLocation: sourceLocation)
    }

    /// Sends SIGTERM to every process, then expects each to exit 0.
    static func terminateTogether(_ processes: [RevisitProcess.Child], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for process in processes where process.isRunning { kill(process.pid, SIGTERM) }
        for process in processes {
            #expect(process.waitForExit(timeout: 40) == .exited(0), sourceLocation: sourceLocation)
        }
    }

    static func byUser(_ lines: [String]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines { result[userID(line), default: []].append(line) }
        return result
    }

    static func userID(_ line: String) -> String {
        let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        return object?["user_id"] as? String ?? "-"
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
