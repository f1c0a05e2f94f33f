import Foundation
import RevisitCore
import RevisitKafka

/// What one reading thread of a topic replay does: read partitions one after the other, each
/// to its stop offset, through processors and a consumer of its own.
extension TopicReplay {
    /// Codes by which a partition says the range asked for is no longer in the log.
    private static let rangeGone: Set<KafkaErrorCode> = [
        KafkaErrorCode(rawValue: 1),  // OFFSET_OUT_OF_RANGE
        KafkaErrorCode(rawValue: -140),  // _AUTO_OFFSET_RESET, with auto.offset.reset=error
    ]

    /// Every partition's range and --from to skip to (see ``plan(_:partitions:)``), in
    /// partition order.
    struct Plan: Sendable {
        var ranges: [ReplayProgress.Partition]
        var skipBefore: [Int64?]
    }

    /// Reads the partitions `readers` hands out, one after the other (the next one not
    /// started, in partition order), each to its stop offset (or its first message after
    /// --to), feeding its processor and writing what it emits at once: into files of the
    /// partition's own, handed to `readers` once the partition is read, or through this
    /// reader's producer into the prefixed topics. Then, once every reader is there, moves
    /// its processors to the end instant and writes their final records the same way.
    ///
    /// - Parameter readerCount: how many readers run at once (they share one prefetch).
    /// - Returns: the processors of the partitions this reader read, or nil when the replay
    ///   failed elsewhere.
    func read(
        _ plan: Plan, of readerCount: Int, wallClock clock: Int64, partitionFiles: (directory: String, flushBytes: Int)?,
        readers: TopicReplayReaders
    ) throws(ReplayError) -> TopicReplayReaders.Outcome? {
        var writer: TopicOutputWriter?
        if case .topics(let prefix) = destination {
            writer = try TopicOutputWriter(kafka: kafka, topics: topics.withOutputPrefix(prefix), writers: readerCount)
        }
        /// Where the records of `partition` go: the reader's producer, or files of the
        /// partition's own named with `prefix`.
        func sink(_ partition: Int32, _ prefix: String) throws(ReplayError) -> Sink {
            if let writer { return .topics(writer) }
            guard let partitionFiles else {
                throw .processor("a replay into files needs a directory for the partitions' files")
            }
            return .files(try ReplayOutputFiles(
                partitionFilesIn: partitionFiles.directory, prefix: prefix, flushBytes: partitionFiles.flushBytes))
        }

        let consumer = try makeConsumer(readers: readerCount)
        var outcome = TopicReplayReaders.Outcome(partitions: [], processors: [])
        var indices: [Int] = []
        while let index = readers.claim() {
            var range = plan.ranges[index]
            var processor: PartitionProcessor
            do {
                processor = try PartitionProcessor(rules: rules, wallClock: clock, partition: Int(range.partition))
            } catch {
                throw .processor("cannot start: \(error)")
            }
            // What falls due at one instant is written in chunks (``OutputChunks``), here and
            // at the end of input, so that the records held at once stay bounded.
            processor.outputChunkLimit = OutputChunks.records
            let records = try sink(range.partition, "\(range.partition).")
            let completed = try read(
                &range, skippingBefore: plan.skipBefore[index], consumer: consumer, processor: &processor, sink: records
            ) { range in readers.report(range, at: index) }
            guard completed else { return nil }
            if case .files(let files) = records {
                readers.written(try files.finishPartition(), index: index)
            }
            outcome.partitions.append(range.partition)
            outcome.processors.append(processor)
            indices.append(index)
        }

        // The end of input, as one instant for every partition.
        guard case .at(let end) = readers.end(ofReading: outcome.processors.compactMap(\.maxTimestamp).max()) else {
            return nil
        }
        for slot in outcome.processors.indices {
            let partition = outcome.partitions[slot]
            if let end { outcome.processors[slot].finish(at: end) }
            let finals = try sink(partition, "\(partition).end.")
            try finals.write(from: &outcome.processors[slot], partition: partition)
            if case .files(let files) = finals {
                readers.finalsWritten(try files.finishPartition(), index: indices[slot])
            }
        }
        if let writer {
            try writer.close(timeoutMilliseconds: flushTimeoutMilliseconds)
            outcome.delivered = writer.counts
        }
        return outcome
    }

    /// Reads the partition of `range` from its start to its stop offset (or the first message
    /// after --to), feeding `processor` and writing what it emits to `sink`; `report` is
    /// called after every poll.
    ///
    /// `skipBefore` is --from where the broker could not resolve it to an offset: the read then
    /// starts at the log start and passes over messages stamped earlier, until the first one at
    /// or after it. The consumer's own timestamp seek would skip them out of sight, so a
    /// partition with nothing at or after --from (what a real broker's -1 also means) would
    /// never reach its stop offset; skipping here sees every offset and shows the scan.
    ///
    /// - Returns: false when `report` said to stop (another reader failed).
    private func read(
        _ range: inout ReplayProgress.Partition, skippingBefore skipBefore: Int64?, consumer: KafkaConsumer,
        processor: inout PartitionProcessor, sink: Sink, report: (ReplayProgress.Partition) -> Bool
    ) throws(ReplayError) -> Bool {
        let partition = TopicPartition(topics.input, range.partition)
        guard range.startOffset < range.stopOffset else {
            range.isDone = true
            return report(range)
        }
        do {
            try consumer.assign([TopicPartitionOffset(partition, offset: range.startOffset)])
        } catch {
            throw .kafka(error)
        }
        var skipBefore = skipBefore
        // Without --to or a --from to skip to, no message's timestamp matters: messages are
        // read in librdkafka's buffers, as `revisit run` reads them, without a copy each.
        let borrowing = endTimestamp == nil && skipBefore == nil
        var batch = ConsumerBatch()
        var lastMessageAt = Date()
        var lastError: KafkaError?
        while !range.isDone {
            guard report(range) else { return false }
            var delivered = false
            do {
                if borrowing {
                    try consumer.pollBorrowing(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 100)
                } else {
                    try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 100)
                }
            } catch {
                throw .kafka(error)
            }
            if borrowing {
                var failure: ReplayError?
                consumer.forEachBorrowedMessage { message in
                    // Messages of partitions read before this one may still be queued: skip them.
                    guard failure == nil, message.topicPartition == partition, !range.isDone else { return }
                    delivered = true
                    guard Self.step(&range, offset: message.offset, timestamp: nil, skipBefore: &skipBefore,
                                    endTimestamp: nil) else { return }
                    let source = SourcePosition(topic: partition.topic, partition: partition.partition, offset: message.offset)
                    processor.process(value: message.value, key: message.key, source: source)
                    do throws(ReplayError) {
                        try written(message.offset, &range, processor: &processor, sink: sink)
                    } catch {
                        failure = error
                    }
                }
                if let failure { throw failure }
            } else {
                for message in batch.messages where message.topicPartition == partition && !range.isDone {
                    delivered = true
                    guard Self.step(&range, offset: message.offset, timestamp: message.timestamp, skipBefore: &skipBefore,
                                    endTimestamp: endTimestamp) else { continue }
                    let source = SourcePosition(topic: message.topic, partition: message.partition, offset: message.offset)
                    processor.process(value: message.value, key: message.key, source: source)
                    try written(message.offset, &range, processor: &processor, sink: sink)
                }
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
        }
        // Stop fetching beyond the range while the reader's next partitions are read.
        do {
            try consumer.pause([partition])
        } catch {
            throw .kafka(error)
        }
        return report(range)
    }

    /// Moves `range` past the message at `offset` when it is not to be processed (before the
    /// position, before --from, or the end of the range), or says to process it.
    ///
    /// - Returns: true when the message is to be processed, then ``written(_:_:processor:sink:)``.
    private static func step(
        _ range: inout ReplayProgress.Partition, offset: Int64, timestamp: Int64?, skipBefore: inout Int64?,
        endTimestamp: Int64?
    ) -> Bool {
        guard offset >= range.position else { return false }
        guard offset < range.stopOffset else {
            range.isDone = true
            return false
        }
        if let floor = skipBefore, let stamp = timestamp, stamp < floor {
            range.skippedBeforeFrom += 1
            range.position = offset + 1
            if range.position >= range.stopOffset { range.isDone = true }
            return false
        }
        // From the first message at or after --from on, everything counts, as from an
        // offset the broker resolved.
        skipBefore = nil
        if let to = endTimestamp, let stamp = timestamp, stamp > to {
            range.position = offset
            range.stoppedAtTo = true
            range.isDone = true
            return false
        }
        return true
    }

    /// After the message at `offset` went through `processor`: writes what it caused and
    /// moves `range` past it.
    private func written(
        _ offset: Int64, _ range: inout ReplayProgress.Partition, processor: inout PartitionProcessor, sink: Sink
    ) throws(ReplayError) {
        try sink.write(from: &processor, partition: range.partition)
        // Fail as soon as --as-of is known to be too early, not after reading everything.
        if let asOf, let largest = processor.maxTimestamp, largest > asOf {
            throw .asOfBeforeInput(asOf: asOf, largest: largest)
        }
        range.firstProcessed = range.firstProcessed ?? offset
        range.lastProcessed = offset
        range.processed += 1
        range.position = offset + 1
        if range.position >= range.stopOffset { range.isDone = true }
    }
}
