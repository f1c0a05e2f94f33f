import Foundation
import RevisitCore
import RevisitKafka

/// Replays a JSONL file (one event per line, line order = arrival order) through one
/// `PartitionProcessor` per partition and writes `profiles.jsonl`, `sessions.jsonl`,
/// `alerts.jsonl`, `dlq.jsonl` and `metrics.jsonl` into a directory (SPEC 8, replay / backfill).
///
/// Users are routed with Kafka's default partitioner on the user id. Records are written in
/// emission order: after each line, whatever that line caused in its partition; at the end,
/// each partition's final records in partition order. So the files are byte-identical across
/// runs, and each user's records appear in the same order whatever `partitions` is. The daily
/// aggregates are the exception: `metrics.jsonl` holds them in partition, then date order.
public struct JSONLReplay: Sendable {
    public var inputPath: String
    public var outputDirectory: String
    public var rules: RetentionRules
    public var partitions: Int
    /// `--as-of`: the end-of-input instant, not earlier than the largest event time.
    public var asOf: Int64?
    /// The wall clock for `max_future_skew`; defaults to the time the replay starts.
    public var wallClock: Int64?

    public init(inputPath: String, outputDirectory: String, rules: RetentionRules, partitions: Int = 1, asOf: Int64? = nil) {
        self.inputPath = inputPath
        self.outputDirectory = outputDirectory
        self.rules = rules
        self.partitions = max(1, partitions)
        self.asOf = asOf
    }

    /// Runs the replay; `progress` is called every million lines.
    public func run(progress: (UInt64) -> Void = { _ in }) throws(ReplayError) -> ReplaySummary {
        let started = Date()
        let clock = wallClock ?? Int64(started.timeIntervalSince1970 * 1000)
        var processors: [PartitionProcessor] = []
        do {
            for p in 0..<partitions {
                var processor = try PartitionProcessor(rules: rules, wallClock: clock, partition: p)
                processor.outputChunkLimit = OutputChunks.records
                processors.append(processor)
            }
        } catch {
            throw .processor("cannot start: \(error)")
        }
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(path: outputDirectory, reason: "\(error)")
        }
        let reader = try LineReader(path: inputPath)
        let files = try ReplayOutputFiles(directory: outputDirectory)
        let decoder = EventDecoder(maxEventBytes: rules.maxEventBytes)
        let source = (inputPath as NSString).lastPathComponent
        var summary = ReplaySummary()
        var failure: ReplayError?

        while failure == nil, reader.nextLine({ line in
            summary.linesRead += 1
            let decoded = decoder.decode(value: line, key: nil)
            let user: String?
            switch decoded {
            case .success(let event): user = event.userID
            case .failure(let rejection): user = rejection.userID
            }
            let p = user.map { KafkaPartitioner.partition(of: $0, count: partitions) } ?? 0
            let position = SourcePosition(topic: source, partition: nil, offset: Int64(summary.linesRead))
            processors[p].process(decoded: decoded, value: line, key: nil, source: position)
            do {
                try files.write(from: &processors[p])
            } catch {
                failure = error as? ReplayError ?? .processor("\(error)")
            }
        }) {
            if summary.linesRead % 1_000_000 == 0 { progress(summary.linesRead) }
        }
        if let failure { throw failure }

        let largest = processors.compactMap(\.maxTimestamp).max()
        if let asOf, let largest, asOf < largest { throw .asOfBeforeInput(asOf: asOf, largest: largest) }
        let end = asOf ?? largest
        summary.asOf = end
        for p in 0..<partitions {
            if let end { processors[p].finish(at: end) }
            try files.write(from: &processors[p])
            summary.add(processors[p])
        }
        try files.close()
        summary.profiles = files.profiles.records
        summary.sessions = files.sessions.records
        summary.alerts = files.alerts.records
        summary.deadLetters = files.deadLetters.records
        summary.metrics = files.metrics.records
        summary.elapsedSeconds = Date().timeIntervalSince(started)
        return summary
    }
}

