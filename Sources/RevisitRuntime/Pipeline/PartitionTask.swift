import Foundation
import RevisitCore
import RevisitKafka

/// The task of one input partition (SPEC 8): it owns the partition's processor and is the
/// only writer of that partition of every output topic and of the state topic.
///
/// After a restore it re-reads the input from the checkpoint's rebuffer offset: messages
/// before the checkpoint's input offset only refill the reorder buffer, later ones are
/// processed, and an output whose identity the restore found already written is not written
/// again. At each checkpoint it writes the records of the users that changed (or a full
/// snapshot) and a ``Checkpoint``; the runner makes them durable before committing.
///
/// Not `Sendable`: it lives on the runner's thread.
final class PartitionTask {
    let partition: Int32
    private(set) var processor: PartitionProcessor
    /// This owner's generation, above every one in the state topic.
    let epoch: UInt64
    /// Messages before this offset were seen (handled, or refilled into the buffer).
    private(set) var nextOffset: Int64
    /// Messages before this offset were processed before the checkpoint restored from.
    private let replayEnd: Int64
    /// Where the consumer must start reading for this task.
    let startOffset: Int64
    /// Until the first message of the re-read region arrives, messages at or above this
    /// offset were fetched before the seek and are skipped; nil once it arrived, or when
    /// there is nothing to re-read.
    private var firstMessageBelow: Int64?
    /// Set when messages from before the start arrived: the runner seeks to ``startOffset`` again.
    var needsSeek = false
    /// Identities of outputs already written after the restored checkpoint.
    private var writtenIDs: Set<UInt64>
    /// The next offset of each output partition, for the next checkpoint.
    private var outputEnds: [String: Int64]
    private(set) var durable: Checkpoint
    private var pending: Checkpoint?
    private var snapshot: SnapshotReference?
    private var retiredSnapshot: SnapshotReference?
    private var bytesSinceSnapshot = 0
    private var lastSnapshotBytes = 0
    private var lastSnapshotAt: Date
    /// Wall-clock time of the last input message, for `idle_advance`.
    private(set) var lastInputAt: Date
    private let encoder: OutputMessageEncoder
    private let stateTopic: String
    private(set) var statistics = TaskStatistics()
    let restore: RestoreStatistics

    /// State records are batched into chunks of about this size in a snapshot.
    static let snapshotChunkBytes = 256 * 1024
    /// Changes since the last snapshot may grow to the last snapshot's size (at least this)
    /// before a new one is written, which bounds the state partition to a few times the state.
    static let minimumChangeBytesBeforeSnapshot = 1 << 20

    init(partition: Int32, restored: TaskRestorer.Restored, encoder: OutputMessageEncoder, stateTopic: String, now: Date) {
        self.partition = partition
        self.processor = restored.processor
        self.epoch = restored.epoch
        self.encoder = encoder
        self.stateTopic = stateTopic
        self.writtenIDs = restored.writtenIDs
        self.outputEnds = restored.outputHighs
        self.restore = restored.statistics
        let checkpoint = restored.checkpoint
        self.startOffset = checkpoint?.rebufferOffset ?? 0
        self.nextOffset = startOffset
        self.replayEnd = checkpoint?.inputOffset ?? 0
        // Retention may have deleted the whole re-read region: then nothing below arrives.
        if startOffset < replayEnd, restored.inputLowOffset < replayEnd { firstMessageBelow = replayEnd }
        self.snapshot = checkpoint?.snapshot
        self.lastSnapshotAt = now
        self.lastInputAt = now
        // The first record of a new owner: it re-states the restored checkpoint under the new
        // epoch, which fences off anything a former owner may still write.
        self.durable = Checkpoint(
            epoch: restored.epoch, inputOffset: replayEnd, rebufferOffset: startOffset,
            outputEnds: restored.outputScanStarts, snapshot: checkpoint?.snapshot, completesSnapshot: false,
            frame: restored.processor.exportFrame(), writtenAt: Int64(now.timeIntervalSince1970 * 1000))
        self.pending = durable
    }

    /// Whether the task has re-read everything before the restored checkpoint.
    var isCaughtUpWithCheckpoint: Bool { nextOffset >= replayEnd }

    // MARK: - Input

    /// Handles one message of the partition, writing what it caused.
    /// `now` is the time the batch was polled, `wallClock` the same in epoch ms.
    func handle(_ message: ConsumedMessage, now: Date, wallClock: Int64, producer: KafkaProducer, reports: inout [DeliveryReport]) throws(PipelineError) {
        if let limit = firstMessageBelow {
            // The consumer fetches from the committed offset (the checkpoint's input offset),
            // and the committed-offset lookup that starts an assignment can land after the
            // task's seek back to its start and undo it. Those messages are not the stream the
            // task needs: skip them and have the runner seek again. The re-read region holds
            // at least one message (the oldest buffered event), so the right stream's first
            // message is below the limit.
            guard message.offset < limit else {
                needsSeek = true
                return
            }
            firstMessageBelow = nil
            needsSeek = false
            if message.offset > startOffset { statistics.skippedByRetention = message.offset - startOffset }
        }
        guard message.offset >= nextOffset else { return }
        nextOffset = message.offset + 1
        lastInputAt = now
        let source = SourcePosition(topic: message.topic, partition: message.partition, offset: message.offset)
        if message.offset < replayEnd {
            message.value.withUnsafeBytes { value in
                if let key = message.key {
                    key.withUnsafeBytes { processor.rebuffer(value: value, key: $0, source: source) }
                } else {
                    processor.rebuffer(value: value, key: nil, source: source)
                }
            }
            statistics.rebuffered += 1
            return
        }
        processor.wallClock = wallClock
        processor.process(value: message.value, key: message.key, source: source)
        statistics.messages += 1
        try emit(producer: producer, reports: &reports)
    }

    /// `idle_advance` (SPEC 2.1): a silent partition's watermark follows the wall clock.
    func advanceWatermark(to instant: Int64, producer: KafkaProducer, reports: inout [DeliveryReport]) throws(PipelineError) {
        guard isCaughtUpWithCheckpoint, instant > processor.watermark else { return }
        processor.advanceWatermark(to: instant)
        try emit(producer: producer, reports: &reports)
    }

    private func emit(producer: KafkaProducer, reports: inout [DeliveryReport]) throws(PipelineError) {
        var failure: KafkaError?
        processor.drainOutputs { record in
            guard failure == nil else { return }
            if !writtenIDs.isEmpty, writtenIDs.remove(record.identity) != nil {
                statistics.outputsAlreadyWritten += 1
                return
            }
            do throws(KafkaError) {
                try producer.send(encoder.message(for: record, partition: partition), waitingForRoom: &reports)
                statistics.outputsWritten += 1
            } catch {
                failure = error
            }
        }
        if let failure { throw PipelineError(failure) }
    }

    // MARK: - Delivery

    /// Notes where an output of this task landed.
    func delivered(_ report: DeliveryReport) {
        let topic = report.topicPartition.topic
        guard topic != stateTopic, report.offset >= 0 else { return }
        outputEnds[topic] = max(outputEnds[topic] ?? 0, report.offset + 1)
    }

    // MARK: - Checkpoints

    /// Writes the changed users (or a snapshot) and a checkpoint if anything moved since the
    /// last one. Call only when every output sent so far is acknowledged (the checkpoint
    /// records the output ends); it is durable once the state records are acknowledged too,
    /// which the caller confirms with ``checkpointIsDurable()``.
    func writeCheckpoint(producer: KafkaProducer, now: Date, snapshotInterval: TimeInterval, reports: inout [DeliveryReport]) throws(PipelineError) {
        guard isCaughtUpWithCheckpoint else { return }
        if pending != nil {
            // The re-stated checkpoint of a new owner is still to be written.
            try send(.checkpoint(pending!), producer: producer, reports: &reports)
            return
        }
        let frame = processor.exportFrame()
        let changes = processor.takeChangedUsers()
        guard !changes.isEmpty || frame != durable.frame || nextOffset != durable.inputOffset else { return }
        if let retired = retiredSnapshot {
            for index in 0..<retired.chunks {
                try send(message: OutgoingMessage(
                    topic: stateTopic, partition: partition, key: StateRecord.snapshotKey(retired.id, index), value: nil),
                    producer: producer, reports: &reports)
            }
            retiredSnapshot = nil
        }
        let snapshotDue = bytesSinceSnapshot >= max(lastSnapshotBytes, Self.minimumChangeBytesBeforeSnapshot)
            || (now.timeIntervalSince(lastSnapshotAt) >= snapshotInterval && bytesSinceSnapshot > 0)
        var completes = false
        if snapshotDue {
            let reference = try writeSnapshot(producer: producer, reports: &reports)
            retiredSnapshot = snapshot
            snapshot = reference
            completes = true
            lastSnapshotAt = now
        } else {
            for change in changes {
                let record: StateRecord = change.record.map { .user(userID: change.userID, record: $0, epoch: epoch) }
                    ?? .erased(userID: change.userID, epoch: epoch)
                bytesSinceSnapshot += change.userID.utf8.count + (change.record?.count ?? 0) + 8
                try send(record, producer: producer, reports: &reports)
            }
        }
        let checkpoint = Checkpoint(
            epoch: epoch, inputOffset: nextOffset, rebufferOffset: processor.bufferedOrigin ?? nextOffset,
            outputEnds: outputEnds, snapshot: snapshot, completesSnapshot: completes, frame: frame,
            writtenAt: Int64(now.timeIntervalSince1970 * 1000))
        try send(.checkpoint(checkpoint), producer: producer, reports: &reports)
        pending = checkpoint
        statistics.checkpoints += 1
    }

    /// The checkpoint written last is acknowledged: it is what a new owner would restore.
    /// - Returns: the input offset to commit for lag monitoring.
    @discardableResult
    func checkpointIsDurable() -> Int64? {
        guard let pending else { return nil }
        durable = pending
        self.pending = nil
        return durable.inputOffset
    }

    private func writeSnapshot(producer: KafkaProducer, reports: inout [DeliveryReport]) throws(PipelineError) -> SnapshotReference {
        let id = (snapshot?.id ?? 0) + 1
        var chunk: [(userID: String, record: [UInt8])] = []
        var chunkBytes = 0
        var chunks = 0
        var total = 0
        var failure: PipelineError?
        func flushChunk() {
            guard failure == nil else { return }
            do throws(PipelineError) {
                try send(.snapshotChunk(snapshotID: id, index: chunks, users: chunk, epoch: epoch), producer: producer, reports: &reports)
            } catch {
                failure = error
            }
            chunks += 1
            chunk.removeAll(keepingCapacity: true)
            chunkBytes = 0
        }
        processor.forEachUserRecord { user, record in
            chunk.append((user, record))
            chunkBytes += user.utf8.count + record.count + 4
            total += user.utf8.count + record.count + 4
            if chunkBytes >= Self.snapshotChunkBytes { flushChunk() }
        }
        if !chunk.isEmpty || chunks == 0 { flushChunk() }
        if let failure { throw failure }
        lastSnapshotBytes = total
        bytesSinceSnapshot = 0
        statistics.snapshots += 1
        return SnapshotReference(id: id, chunks: chunks)
    }

    private func send(_ record: StateRecord, producer: KafkaProducer, reports: inout [DeliveryReport]) throws(PipelineError) {
        try send(message: record.message(topic: stateTopic, partition: partition), producer: producer, reports: &reports)
    }

    private func send(message: OutgoingMessage, producer: KafkaProducer, reports: inout [DeliveryReport]) throws(PipelineError) {
        do {
            try producer.send(message, waitingForRoom: &reports)
        } catch {
            throw PipelineError(error)
        }
    }
}

/// What a task did since it took its partition.
public struct TaskStatistics: Sendable, Equatable {
    /// Input messages processed (after the restored checkpoint).
    public var messages = 0
    /// Messages before the checkpoint re-read to refill the reorder buffer.
    public var rebuffered = 0
    /// Messages the restore needed that retention had deleted from the input.
    public var skippedByRetention: Int64 = 0
    public var outputsWritten = 0
    /// Outputs a former owner had already written (not written again).
    public var outputsAlreadyWritten = 0
    public var checkpoints = 0
    public var snapshots = 0
}
