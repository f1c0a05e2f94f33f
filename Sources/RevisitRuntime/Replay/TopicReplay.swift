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
/// Two replays of the same topic give byte-identical outputs: partitions are read one at a
/// time in partition order, each to its stop offset, and the processors are finished in
/// partition order at one instant. Each partition sees its messages in offset order, as a
/// ``JSONLReplay`` with as many partitions sees the lines of the file the topic was produced
/// from, so each user's records are the same.
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

    /// Runs the replay; `progress` is called at most every ``progressInterval`` while reading
    /// and once at the end.
    public func run(progress: (ReplayProgress) -> Void = { _ in }) throws(ReplayError) -> TopicReplaySummary {
        let started = Date()
        let clock = wallClock ?? Int64(started.timeIntervalSince1970 * 1000)
        if case .timestamp(let from) = start, let to = endTimestamp, from > to { throw .emptyRange(from: from, to: to) }
        let partitionCount = try checkTopics()
        var processors: [PartitionProcessor] = []
        do {
            for p in 0..<partitionCount {
                var processor = try PartitionProcessor(rules: rules, wallClock: clock, partition: p)
                processor.outputChunkLimit = OutputChunks.records
                processors.append(processor)
            }
        } catch {
            throw .processor("cannot start: \(error)")
        }
        let sink = try makeSink()
        let consumer = try makeConsumer()
        let plan = try plan(consumer, partitions: partitionCount)

        // One partition at a time, in partition order: the outputs do not depend on how
        // fetches of different partitions interleave.
        var ranges = plan.ranges
        var lastReport = started
        for index in ranges.indices {
            var range = ranges[index]
            try read(&range, skippingBefore: plan.skipBefore[index], consumer: consumer,
                     processor: &processors[index], sink: sink) { current in
                let now = Date()
                guard now.timeIntervalSince(lastReport) >= progressInterval else { return }
                lastReport = now
                var snapshot = ranges
                snapshot[index] = current
                progress(ReplayProgress(topic: topics.input, partitions: snapshot, current: current.partition,
                                        elapsedSeconds: now.timeIntervalSince(started)))
            }
            ranges[index] = range
        }

        var summary = try finish(&processors, sink: sink)
        summary.elapsedSeconds = Date().timeIntervalSince(started)
        progress(ReplayProgress(topic: topics.input, partitions: ranges, elapsedSeconds: summary.elapsedSeconds))
        return TopicReplaySummary(replay: summary, topic: topics.input, partitions: ranges)
    }

    // MARK: - Reading

    /// Codes by which a partition says the range asked for is no longer in the log.
    private static let rangeGone: Set<KafkaErrorCode> = [
        KafkaErrorCode(rawValue: 1),  // OFFSET_OUT_OF_RANGE
        KafkaErrorCode(rawValue: -140),  // _AUTO_OFFSET_RESET, with auto.offset.reset=error
    ]

    /// Reads one partition from its start to its stop offset (or the first message after
    /// --to), feeding its processor and writing what it emits.
    ///
    /// `skipBefore` is --from where the broker could not resolve it to an offset: the read then
    /// starts at the log start and passes over messages stamped earlier, until the first one at
    /// or after it. The consumer's own timestamp seek would skip them out of sight, so a
    /// partition with nothing at or after --from (what a real broker's -1 also means) would
    /// never reach its stop offset; skipping here sees every offset and shows the scan.
    private func read(
        _ range: inout ReplayProgress.Partition, skippingBefore skipBefore: Int64?, consumer: KafkaConsumer,
        processor: inout PartitionProcessor, sink: Sink, report: (ReplayProgress.Partition) -> Void
    ) throws(ReplayError) {
        let partition = TopicPartition(topics.input, range.partition)
        guard range.startOffset < range.stopOffset else {
            range.isDone = true
            return
        }
        do {
            try consumer.assign([TopicPartitionOffset(partition, offset: range.startOffset)])
        } catch {
            throw .kafka(error)
        }
        var skipBefore = skipBefore
        var batch = ConsumerBatch()
        var lastMessageAt = Date()
        var lastError: KafkaError?
        while !range.isDone {
            do {
                try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 100)
            } catch {
                throw .kafka(error)
            }
            var delivered = false
            // Messages of partitions read before this one may still be queued: skip them.
            for message in batch.messages where message.topicPartition == partition && !range.isDone {
                delivered = true
                guard message.offset >= range.position else { continue }
                guard message.offset < range.stopOffset else {
                    range.isDone = true
                    break
                }
                if let floor = skipBefore, let stamp = message.timestamp, stamp < floor {
                    range.skippedBeforeFrom += 1
                } else {
                    // From the first message at or after --from on, everything counts, as
                    // from an offset the broker resolved.
                    skipBefore = nil
                    if let to = endTimestamp, let stamp = message.timestamp, stamp > to {
                        range.position = message.offset
                        range.stoppedAtTo = true
                        range.isDone = true
                        break
                    }
                    try process(message, in: &processor, sink: sink)
                    range.firstProcessed = range.firstProcessed ?? message.offset
                    range.lastProcessed = message.offset
                    range.processed += 1
                }
                range.position = message.offset + 1
                if range.position >= range.stopOffset { range.isDone = true }
            }
            for error in batch.errors {
                if error.topic == topics.input, error.partition == range.partition, Self.rangeGone.contains(error.code) {
                    throw .kafka(error)
                }
                lastError = error
            }
            try sink.checkDeliveries()
            if delivered {
                lastMessageAt = Date()
            } else if !range.isDone, Date().timeIntervalSince(lastMessageAt) > stallTimeout {
                throw .stalled(topic: topics.input, partition: range.partition, offset: range.position,
                               stopOffset: range.stopOffset, seconds: Int(stallTimeout), lastError: lastError)
            }
            report(range)
        }
        // Stop fetching beyond the range while the next partitions are read.
        do {
            try consumer.pause([partition])
        } catch {
            throw .kafka(error)
        }
    }

    /// Feeds one message to its partition's processor and writes what it caused.
    private func process(_ message: ConsumedMessage, in processor: inout PartitionProcessor, sink: Sink) throws(ReplayError) {
        let source = SourcePosition(topic: message.topic, partition: message.partition, offset: message.offset)
        processor.process(value: message.value, key: message.key, source: source)
        try sink.write(from: &processor, partition: message.partition)
        // Fail as soon as --as-of is known to be too early, not after reading everything.
        if let asOf, let largest = processor.maxTimestamp, largest > asOf {
            throw .asOfBeforeInput(asOf: asOf, largest: largest)
        }
    }

    // MARK: - End of input

    /// Moves every processor to the end instant (the largest event time of all partitions, or
    /// --as-of), in partition order, writes their final records and the last deliveries.
    private func finish(_ processors: inout [PartitionProcessor], sink: Sink) throws(ReplayError) -> ReplaySummary {
        var summary = ReplaySummary()
        let largest = processors.compactMap(\.maxTimestamp).max()
        if let asOf, let largest, asOf < largest { throw .asOfBeforeInput(asOf: asOf, largest: largest) }
        let end = asOf ?? largest
        summary.asOf = end
        for p in processors.indices {
            if let end { processors[p].finish(at: end) }
            try sink.write(from: &processors[p], partition: Int32(p))
            summary.add(processors[p])
        }
        try sink.close(timeoutMilliseconds: flushTimeoutMilliseconds)
        summary.linesRead = summary.counters.received
        (summary.profiles, summary.sessions, summary.alerts, summary.deadLetters, summary.metrics) = sink.counts
        return summary
    }
}
