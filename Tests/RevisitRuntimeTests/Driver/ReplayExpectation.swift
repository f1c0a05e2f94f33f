import Foundation
import RevisitCore
import RevisitKafka
import RevisitTestSupport
import Testing
@testable import RevisitRuntime

/// What the file replay gives for the same lines, to compare a live pipeline with: each
/// user's profiles, sessions and alerts in order, each partition's daily aggregates, and the
/// dead letters' reasons. The replay's end-of-input profiles, which a live pipeline never
/// emits, are left out.
struct ReplayExpectation {
    var profiles: [String: [String]]
    var sessions: [String: [String]]
    var alerts: [String: [String]]
    var metrics: [Int32: [String]]
    var deadLetterReasons: [String]

    /// Event lines of `users` simulated users over `days`, with broken lines mixed in, and
    /// the ``ClockEvents`` that move every watermark past them.
    static func lines(users: Int, days: Int, seed: UInt64, partitions: Int) -> [String] {
        let (events, _) = ActivitySimulator(users: users, days: days, seed: seed, invalidRate: 0.01).generate()
        return events.map(\.line) + ClockEvents.lines(after: events.map(\.ts).max() ?? 0, partitions: partitions)
    }

    init(lines: [String], partitions: Int, rules: RetentionRules = RetentionRules(), wallClock: Date) throws {
        let input = ScratchDirectory.path("driver-input", suffix: ".jsonl")
        try lines.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let out = ScratchDirectory.path("driver-replay")
        var replay = JSONLReplay(inputPath: input, outputDirectory: out, rules: rules, partitions: partitions)
        replay.wallClock = Int64(wallClock.timeIntervalSince1970 * 1000)
        _ = try replay.run()
        func read(_ file: String) throws -> [String] {
            try String(contentsOfFile: out + "/" + file, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        func object(_ line: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        func byUser(_ lines: [String]) throws -> [String: [String]] {
            var result: [String: [String]] = [:]
            for line in lines { result[try object(line)["user_id"] as! String, default: []].append(line) }
            return result
        }
        var profiles = try read("profiles.jsonl")
        profiles.removeLast(Set(try profiles.map { try object($0)["user_id"] as! String }).count)
        self.profiles = try byUser(profiles)
        sessions = try byUser(try read("sessions.jsonl"))
        alerts = try byUser(try read("alerts.jsonl"))
        var metrics: [Int32: [String]] = [:]
        for line in try read("metrics.jsonl") {
            metrics[Int32(try object(line)["partition"] as! Int), default: []].append(line)
        }
        self.metrics = metrics
        deadLetterReasons = try read("dlq.jsonl").map { try object($0)["error"] as! String }.sorted()
    }

    /// Checks the driver's output topics against the replay: none missing, none twice, and
    /// every record in its user's partition, in the replay's order except in `unordered`
    /// topics (where a delivery failed: the failed record is written again after later ones
    /// that were delivered).
    func expectMatches(
        _ driver: RuntimeTestDriver, unordered: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let topics = driver.topics
        for (topic, expected) in [(topics.profiles, profiles), (topics.sessions, sessions), (topics.alerts, alerts)] {
            var actual = driver.valuesByUser(topic)
            var expected = expected
            if unordered.contains(topic) {
                actual = actual.mapValues { $0.sorted() }
                expected = expected.mapValues { $0.sorted() }
            }
            let differing = Set(actual.keys).union(expected.keys).sorted().first { actual[$0] != expected[$0] }
            #expect(differing == nil, "\(topic): \(differing ?? "") has \(actual[differing ?? ""]?.count ?? 0) records, the replay \(expected[differing ?? ""]?.count ?? 0)", sourceLocation: sourceLocation)
            for (partition, records) in driver.records(topic) {
                let misplaced = records.first {
                    KafkaPartitioner.partition(of: String(decoding: $0.key ?? [], as: UTF8.self), count: driver.partitions) != Int(partition)
                }
                #expect(misplaced == nil, "\(topic): a record in the wrong partition \(partition)", sourceLocation: sourceLocation)
            }
        }
        for (partition, records) in driver.records(topics.metrics) {
            let actual = records.map { String(decoding: $0.value, as: UTF8.self) }
            // Through a constant: the expectation would print every record.
            let same = actual == metrics[partition] ?? []
            #expect(same, "metrics of partition \(partition): \(actual.count) records, the replay \(metrics[partition]?.count ?? 0)", sourceLocation: sourceLocation)
        }
        let reasons = driver.records(topics.dlq).values.flatMap { $0 }.map { record in
            String(decoding: record.headers.first { $0.name == "revisit.error" }?.value ?? [], as: UTF8.self)
        }
        let sameReasons = reasons.sorted() == deadLetterReasons
        #expect(sameReasons, "\(reasons.count) dead letters, the replay \(deadLetterReasons.count)", sourceLocation: sourceLocation)
        #expect(!deadLetterReasons.isEmpty && !profiles.isEmpty && !alerts.isEmpty, sourceLocation: sourceLocation)
    }
}
