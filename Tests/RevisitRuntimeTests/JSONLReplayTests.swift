import Foundation
import RevisitCore
import RevisitRuntime
import Testing

@Suite("JSONL file replay")
struct JSONLReplayTests {
    static let outputFiles = ["profiles.jsonl", "sessions.jsonl", "alerts.jsonl", "dlq.jsonl", "metrics.jsonl"]

    /// A generated population with broken lines mixed in, written once per test.
    static func writeInput(users: Int = 300, days: Int = 150, seed: UInt64 = 7) throws -> String {
        let (events, _) = ActivitySimulator(users: users, days: days, seed: seed, invalidRate: 0.01).generate()
        let path = ScratchDirectory.path("replay-input", suffix: ".jsonl")
        try events.map(\.line).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func replay(_ input: String, partitions: Int) throws -> (directory: String, summary: ReplaySummary) {
        let directory = ScratchDirectory.path("replay-out")
        var replay = JSONLReplay(inputPath: input, outputDirectory: directory, rules: RetentionRules(), partitions: partitions)
        replay.wallClock = 1_800_000_000_000
        return (directory, try replay.run())
    }

    static func contents(_ directory: String, _ file: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
    }

    /// Each user's records, in file order.
    static func recordsByUser(_ directory: String, _ file: String) throws -> [String: [String]] {
        let text = String(decoding: try contents(directory, file), as: UTF8.self)
        var result: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let user = object["user_id"] as? String ?? "-"
            result[user, default: []].append(String(line))
        }
        return result
    }

    @Test("Two replays of the same input give byte-identical files")
    func replayIsDeterministic() throws {
        let input = try Self.writeInput()
        let first = try Self.replay(input, partitions: 4)
        let second = try Self.replay(input, partitions: 4)
        for file in Self.outputFiles {
            let bytes = try Self.contents(first.directory, file)
            #expect(!bytes.isEmpty || file == "dlq.jsonl", "\(file) is empty")
            #expect(bytes == (try Self.contents(second.directory, file)), "\(file) differs between runs")
        }
    }

    @Test("The partition count changes no user's records", arguments: [2, 3, 8])
    func partitionsGiveSameRecordsPerUser(partitions: Int) throws {
        let input = try Self.writeInput(users: 200, seed: 11)
        let single = try Self.replay(input, partitions: 1)
        let split = try Self.replay(input, partitions: partitions)
        for file in ["profiles.jsonl", "sessions.jsonl", "alerts.jsonl"] {
            #expect(try Self.recordsByUser(single.directory, file) == (try Self.recordsByUser(split.directory, file)), "\(file)")
        }
    }

    /// The daily aggregates of a replay, every partition's records of a date added up, in date order.
    static func dailyTotals(_ directory: String) throws -> [DailyMetricsRecord] {
        let records = try DailyMetricsReader().records(jsonl: try contents(directory, "metrics.jsonl"), file: "metrics.jsonl")
        let byDate = Dictionary(grouping: records, by: \.date)
        return byDate.keys.sorted().map { DailyMetricsRecord.merging(byDate[$0]!)! }
    }

    @Test("The daily aggregates of 1, 4 and 16 partitions add up to the same figures; each partition's come in date order")
    func dailyAggregatesAddUp() throws {
        let input = try Self.writeInput(users: 400, seed: 5)
        let single = try Self.replay(input, partitions: 1)
        let expected = try Self.dailyTotals(single.directory)
        #expect(expected.count > 100)
        #expect(expected.contains { !$0.campaigns.isEmpty } && expected.contains { $0.recalled > 0 })
        for partitions in [4, 16] {
            let split = try Self.replay(input, partitions: partitions)
            #expect(try Self.dailyTotals(split.directory) == expected, "\(partitions) partitions")
            let records = try DailyMetricsReader().records(
                jsonl: try Self.contents(split.directory, "metrics.jsonl"), file: "metrics.jsonl")
            #expect(records.map { [$0.partition!, Int($0.date)] } == records.map { [$0.partition!, Int($0.date)] }.sorted { $0.lexicographicallyPrecedes($1) })
            #expect(Set(records.map(\.partition)).count == partitions)
            #expect(split.summary.metrics == records.count)
        }
    }

    @Test("Every line is applied, a duplicate, or a dead letter with its reason")
    func countsReconcile() throws {
        let input = try Self.writeInput()
        let (directory, summary) = try Self.replay(input, partitions: 4)
        let counters = summary.counters
        #expect(summary.linesRead == counters.received)
        #expect(counters.received == counters.applied + counters.duplicates + counters.deadLettersTotal)
        #expect(counters.deadLettersTotal > 0)
        let deadLetters = String(decoding: try Self.contents(directory, "dlq.jsonl"), as: UTF8.self).split(separator: "\n")
        #expect(UInt64(deadLetters.count) == counters.deadLettersTotal)
        for line in deadLetters {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["error"] is String)
            #expect(object["detail"] is String)
            #expect(object["value"] is String)
        }
    }

    @Test("A missing input file is a clear error")
    func missingInput() throws {
        let replay = JSONLReplay(inputPath: "/nonexistent/events.jsonl", outputDirectory: ScratchDirectory.path("missing-input"), rules: RetentionRules())
        #expect(throws: ReplayError.self) { try replay.run() }
    }
}
