import Foundation
import RevisitCore
import RevisitKafka

/// Replays a range of a Kafka topic from fresh state (SPEC 8, replay / backfill): one
/// `PartitionProcessor` per input partition, outputs to files (as ``JSONLReplay`` writes them)
/// or to prefixed output topics.
///
/// The range is chosen by message timestamp (Kafka's notion: the producer's or the broker's
/// stamp, what offsets-for-times answers, not the events' `ts`): from the first message at or
/// after ``Start/timestamp(_:)`` (or the start of the log), to the high watermarks taken when
/// the replay begins, or earlier at the first message stamped after ``endTimestamp``.
///
/// ``readers`` threads read at once, each with a consumer of its own, one partition after the
/// other: each takes the next partition not started, in partition order. Two replays of the same
/// topic still give byte-identical outputs, the outputs of reading the partitions one at a
/// time in partition order: each partition's records go out in emission order, to files of
/// the partition's own that are appended to the output files in partition order (while later
/// partitions are read), or to partition `p` of each output topic; then every processor moves
/// to one end instant, and their final records follow, in partition order in the files. Each partition sees its messages in offset
/// order, as a ``JSONLReplay`` with as many partitions sees the lines of the file the topic
/// was produced from, so each user's records are the same.
public struct TopicReplay: Sendable {
    /// Where each partition's range starts.
    public enum Start: Sendable, Equatable {
        /// The first message still in the log.
        case earliest
        /// The first message whose Kafka timestamp (epoch ms) is at or after this instant.
        case timestamp(Int64)
    }

    /// Where the outputs go.
    public enum Destination: Sendable, Equatable {
        /// `profiles.jsonl`, `sessions.jsonl`, `alerts.jsonl`, `dlq.jsonl` and `metrics.jsonl` in a directory.
        case directory(String)
        /// The output topics of ``TopicReplay/topics`` with this prefix (`backfill.revisit.profiles`),
        /// which must exist with at least as many partitions as the input.
        case topics(prefix: String)
    }

    /// The input topic and the (unprefixed) output topic names.
    public var topics: TopicNames
    public var kafka: KafkaConfiguration
    public var rules: RetentionRules
    public var start: Start
    /// `--to`: reading a partition stops at its first message stamped after this instant.
    public var endTimestamp: Int64?
    /// `--as-of`: the end-of-input instant, not earlier than the largest event time.
    public var asOf: Int64?
    public var destination: Destination
    /// The settings of the prefixed output topics the replay creates, by role.
    public var creationConfigs = PipelineTopics.defaultCreationConfigs
    /// Called with each warning about the settings of output topics that exist.
    public var warn: @Sendable (String) -> Void = { _ in }
    /// The wall clock for `max_future_skew`; defaults to the time the replay starts.
    public var wallClock: Int64?
    /// How long a partition may deliver nothing before its stop offset before the replay fails.
    public var stallTimeout: TimeInterval = 30
    /// The shortest time between two progress reports.
    public var progressInterval: TimeInterval = 0.2
    /// Threads that read (and process) the partitions, each with a consumer of its own; at
    /// most one per partition.
    public var readers = TopicReplay.defaultReaders
    /// What the files of the partitions being read (a replay into files) buffer at most,
    /// together: a partition's records reach the output files through files of its own.
    public var partitionFileBufferBytes = 32 << 20
    /// The deadline for reading metadata and, at the end, for the last deliveries.
    public var metadataTimeoutMilliseconds: Int32 = 5_000
    public var flushTimeoutMilliseconds: Int32 = 120_000

    public init(
        topics: TopicNames, kafka: KafkaConfiguration, rules: RetentionRules, start: Start, destination: Destination,
        endTimestamp: Int64? = nil, asOf: Int64? = nil
    ) {
        self.topics = topics
        self.kafka = kafka
        self.rules = rules
        self.start = start
        self.destination = destination
        self.endTimestamp = endTimestamp
        self.asOf = asOf
    }

    /// One per core, from 2 to 4: a reader processes on one core, and librdkafka's threads
    /// fetch and decompress beside it. More readers did not read faster on the 2-core
    /// benchmark machine, and each adds a consumer (and, into topics, a producer) whose
    /// threads take CPU time of their own (README, Performance).
    public static let defaultReaders = min(4, max(2, ProcessInfo.processInfo.activeProcessorCount))

    /// Runs the replay; `progress` is called at most every ``progressInterval`` while reading
    /// and once at the end, on the calling thread.
    public func run(progress: (ReplayProgress) -> Void = { _ in }) throws(ReplayError) -> TopicReplaySummary {
        let started = Date()
        let clock = wallClock ?? Int64(started.timeIntervalSince1970 * 1000)
        if case .timestamp(let from) = start, let to = endTimestamp, from > to { throw .emptyRange(from: from, to: to) }
        let partitionCount = try checkTopics()
        let outputFiles = try makeOutputFiles()
        // The partitions' files go, whatever happens; once appended, they are gone already.
        defer { if let outputFiles { try? FileManager.default.removeItem(atPath: outputFiles.partitionDirectory) } }
        let plan = try plan(try makeConsumer(), partitions: partitionCount)

        let readerCount = max(1, min(readers, partitionCount))
        let shared = TopicReplayReaders(ranges: plan.ranges, readers: readerCount, asOf: asOf)
        let partitionFiles = outputFiles.map { files in
            // A share of the budget per file of a partition being read: 2 or 4 readers get 1 MiB.
            (directory: files.partitionDirectory,
             flushBytes: min(1 << 20, max(64 << 10, partitionFileBufferBytes / (4 * readerCount))))
        }
        let readPlan = Plan(ranges: plan.ranges, skipBefore: plan.skipBefore)
        for reader in 0..<readerCount {
            let thread = Thread { [self] in
                var result: Result<TopicReplayReaders.Outcome?, ReplayError>?
                do throws(ReplayError) {
                    result = .success(try read(readPlan, of: readerCount, wallClock: clock, partitionFiles: partitionFiles, readers: shared))
                } catch {
                    result = .failure(error)
                }
                shared.end(&result)
            }
            thread.name = "revisit-replay-\(reader)"
            // Processing ran on the main thread before, with its 8 MiB stack: the same room here.
            thread.stackSize = 8 << 20
            thread.start()
        }
        // Partitions are read to their ends about in partition order: each one's files are
        // appended while the later ones are read.
        var ended = false
        while !ended {
            ended = shared.wait(timeout: progressInterval)
            if let outputFiles {
                do throws(ReplayError) {
                    for partition in shared.takeWritten() { try outputFiles.files.append(partition) }
                } catch {
                    shared.fail(error)
                }
            }
            if !ended {
                progress(ReplayProgress(topic: topics.input, partitions: shared.ranges, isReading: true,
                                        elapsedSeconds: Date().timeIntervalSince(started)))
            }
        }
        let (outcomes, end, finals) = try shared.takeOutcomes()
        let ranges = shared.ranges

        // The final records of every partition after all others, in partition order.
        var summary = ReplaySummary()
        summary.asOf = end
        if let outputFiles {
            let files = outputFiles.files
            for partition in finals { try files.append(partition) }
            try files.close()
            (summary.profiles, summary.sessions, summary.alerts, summary.deadLetters, summary.metrics) =
                (files.profiles.records, files.sessions.records, files.alerts.records, files.deadLetters.records,
                 files.metrics.records)
        } else {
            let counts = outcomes.map(\.delivered).reduce(TopicOutputWriter.Counts(), +)
            (summary.profiles, summary.sessions, summary.alerts, summary.deadLetters, summary.metrics) =
                (counts.profiles, counts.sessions, counts.alerts, counts.deadLetters, counts.metrics)
        }
        for outcome in outcomes {
            for processor in outcome.processors { summary.add(processor) }
        }
        summary.linesRead = summary.counters.received
        summary.elapsedSeconds = Date().timeIntervalSince(started)
        progress(ReplayProgress(topic: topics.input, partitions: ranges, elapsedSeconds: summary.elapsedSeconds))
        return TopicReplaySummary(replay: summary, topic: topics.input, partitions: ranges)
    }
}
