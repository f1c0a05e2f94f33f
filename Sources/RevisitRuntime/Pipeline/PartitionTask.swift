import Foundation
import RevisitCore
import RevisitKafka

/// The task of one input partition (SPEC 8): it owns the partition's processor and is the
/// only writer of that partition of every output topic and of the state topic.
///
/// After a restore it re-reads the input from the checkpoint's rebuffer offset: messages
/// before the checkpoint's input offset only refill the reorder buffer, later ones are
/// processed. Its outputs wait in the processor until the runner hands them to the
/// ``OutputWriter``, which skips those the restore found already written. At each
/// checkpoint it gives the records of the users that changed (or a full snapshot) and a
/// ``Checkpoint`` to write; the runner tells it when they are durable.
///
/// Not `Sendable`: it lives on the runner's processing thread.
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
    private(set) var durable: Checkpoint
    /// The checkpoint handed to the writer and not yet durable; the first one re-states the
    /// restored checkpoint under the new epoch.
    private var pending: Checkpoint?
    private var pendingIsWritten = false
    private var snapshot: SnapshotReference?
    private var retiredSnapshot: SnapshotReference?
    /// Keys of the chunks of changes written since the last snapshot, and of those a newer
    /// snapshot covers, to tombstone with the next checkpoint.
    private var changeKeysSinceSnapshot: [String]
    private var retiredChangeKeys: [String]
    private var nextChangesSequence: UInt64 = 0
    private var bytesSinceSnapshot = 0
    private var lastSnapshotBytes = 0
    private var lastSnapshotAt: Date
    /// Wall-clock time of the last input message, for `idle_advance`.
    private(set) var lastInputAt: Date
    private(set) var statistics = TaskStatistics()
    let restore: RestoreStatistics
    /// The processor's counters at the last metrics sample; at first, those it restored,
    /// which count work of former owners.
    private var publishedCounters: ProcessorCounters

    /// User records are batched into chunks of about this size, in a snapshot and in the
    /// changes of a checkpoint.
    static let snapshotChunkBytes = 256 * 1024
    /// Changes since the last snapshot may grow to the last snapshot's size (at least this)
    /// before a new one is written, which bounds the state partition to a few times the state.
    static let minimumChangeBytesBeforeSnapshot = 1 << 20

    init(partition: Int32, restored: TaskRestorer.Restored, now: Date) {
        self.partition = partition
        self.lastPeriodicCheckpointAt = now
        self.processor = restored.processor
        // What falls due at one instant comes in chunks the runner hands over one by one.
        self.processor.outputChunkLimit = OutputChunks.records
        self.epoch = restored.epoch
        self.restore = restored.statistics
        self.publishedCounters = restored.processor.counters
        self.changeKeysSinceSnapshot = restored.changeKeysSinceSnapshot
        self.retiredChangeKeys = restored.coveredChangeKeys
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
    func handle(_ message: BorrowedMessage, now: Date, wallClock: Int64) {
        if let limit = firstMessageBelow {
            // A partition whose log start could not be read at its assignment starts at the
            // committed offset (the checkpoint's input offset), and librdkafka's lookup of it
            // can land after the task's seek back to its start and undo it. Those messages are
            // not the stream the task needs: skip them and have the runner seek again. The
            // re-read region holds at least one message (the oldest buffered event), so the
            // right stream's first message is below the limit.
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
            _ = processor.rebuffer(value: message.value, key: message.key, source: source)
            statistics.rebuffered += 1
            return
        }
        processor.wallClock = wallClock
        processor.process(value: message.value, key: message.key, source: source)
        statistics.messages += 1
    }

    /// `idle_advance` (SPEC 2.1): a silent partition's watermark follows the wall clock.
    func advanceWatermark(to instant: Int64) {
        guard isCaughtUpWithCheckpoint, instant > processor.watermark else { return }
        processor.advanceWatermark(to: instant)
    }

    /// Whether the processor paused a release at its output chunk limit: hand its outputs
    /// over, then ``resumeRelease()``, before anything else.
    var hasPausedRelease: Bool { processor.hasPausedRelease }

    /// Continues a paused release; true if it paused again.
    func resumeRelease() -> Bool { processor.resumeRelease() }

    /// Whether the processor emitted outputs since the last ``takeOutputs()``.
    var hasOutputs: Bool { processor.pendingOutputCount > 0 }

    /// The outputs emitted since the last call, for the writer: taken in one piece per poll
    /// rather than copied out per message. The next ones collect in `spare`'s memory.
    func takeOutputs(collectingNextIn spare: consuming [OutputRecord]) -> [OutputRecord] {
        processor.takeOutputs(collectingNextIn: spare)
    }

    // MARK: - Metrics

    /// The task's figures for ``PipelineMetrics``: the input outcomes counted since the
    /// previous call, and its state now. `high` is the partition's high watermark, if known.
    func takeMetricsSample(highWatermark high: Int64?) -> PartitionMetricsSample {
        let counters = processor.counters
        let counted = counters.counted(since: publishedCounters)
        publishedCounters = counters
        return PartitionMetricsSample(
            partition: partition, counted: counted, users: processor.userCount, openSessions: processor.openSessions,
            bufferedEvents: processor.bufferedEvents, watermark: processor.watermark == .min ? nil : processor.watermark,
            lag: high.map { $0 - nextOffset })
    }

    // MARK: - Checkpoints

    /// Whether the next checkpoint should be a snapshot: the changes written since the last
    /// one reached its size (1 MiB at least), or `snapshotInterval` passed with changes.
    func snapshotDue(now: Date, snapshotInterval: TimeInterval) -> Bool {
        bytesSinceSnapshot >= max(lastSnapshotBytes, Self.minimumChangeBytesBeforeSnapshot)
            || (now.timeIntervalSince(lastSnapshotAt) >= snapshotInterval && bytesSinceSnapshot > 0)
    }

    /// When the last snapshot was written (or the task started).
    var lastSnapshotTime: Date { lastSnapshotAt }

    /// Users the next checkpoint would write as changed.
    var changedUserCount: Int { processor.changedUserCount }

    /// When a round of periodic checkpoints last took this task (or when it started): the
    /// runner takes it again a `checkpoint_interval` later.
    var lastPeriodicCheckpointAt: Date

    /// The changed users (or a snapshot, when one is due and `mayTakeSnapshot`) and a
    /// checkpoint to write, if anything moved since the last one and no checkpoint of this
    /// task is still on its way. The writer fills in the output end offsets;
    /// ``checkpointIsDurable(_:)`` reports back.
    func checkpointRequest(
        now: Date, snapshotInterval: TimeInterval, mayTakeSnapshot: Bool = true
    ) -> OutputWriter.CheckpointRequest? {
        if let pending {
            // Only the re-stated checkpoint of a new owner waits here unwritten; it does not
            // depend on re-reading the input, and fences former owners off as soon as written.
            guard !pendingIsWritten else { return nil }
            pendingIsWritten = true
            return OutputWriter.CheckpointRequest(partition: partition, records: [], checkpoint: pending, fillsOutputEnds: false)
        }
        guard isCaughtUpWithCheckpoint else { return nil }
        let frame = processor.exportFrame()
        let changes = processor.takeChangedUsers()
        guard !changes.isEmpty || frame != durable.frame || nextOffset != durable.inputOffset else { return nil }
        var records: [StateRecord] = []
        if let retired = retiredSnapshot {
            records += (0..<retired.chunks).map { .retiredChunk(snapshotID: retired.id, index: $0) }
            retiredSnapshot = nil
        }
        records += retiredChangeKeys.map { .retiredChanges(key: $0) }
        retiredChangeKeys = []
        var completes = false
        if mayTakeSnapshot, snapshotDue(now: now, snapshotInterval: snapshotInterval) {
            let (chunks, reference) = snapshotChunks()
            records += chunks
            retiredSnapshot = snapshot
            snapshot = reference
            // The snapshot covers every change written before it: tombstoned next time.
            retiredChangeKeys = changeKeysSinceSnapshot
            changeKeysSinceSnapshot = []
            completes = true
            lastSnapshotAt = now
        } else {
            records += changeChunks(changes)
        }
        let checkpoint = Checkpoint(
            epoch: epoch, inputOffset: nextOffset, rebufferOffset: processor.bufferedOrigin ?? nextOffset,
            outputEnds: [:], snapshot: snapshot, completesSnapshot: completes, frame: frame,
            writtenAt: Int64(now.timeIntervalSince1970 * 1000))
        pending = checkpoint
        pendingIsWritten = true
        statistics.checkpoints += 1
        return OutputWriter.CheckpointRequest(partition: partition, records: records, checkpoint: checkpoint, fillsOutputEnds: true)
    }

    /// The checkpoint handed over last is durable (as the writer completed it, with its
    /// output ends): it is what a new owner would restore.
    func checkpointIsDurable(_ checkpoint: Checkpoint) {
        durable = checkpoint
        pending = nil
        pendingIsWritten = false
    }

    /// The changed users' records in chunks of about ``snapshotChunkBytes``.
    private func changeChunks(_ changes: [UserStateChange]) -> [StateRecord] {
        var records: [StateRecord] = []
        var chunker = StateChunker<[UInt8]?>(chunkBytes: Self.snapshotChunkBytes)
        func write(_ users: [StateChunker<[UInt8]?>.Entry]) {
            records.append(.changes(sequence: nextChangesSequence, users: users, epoch: epoch))
            changeKeysSinceSnapshot.append(StateRecord.changesKey(epoch: epoch, sequence: nextChangesSequence))
            nextChangesSequence += 1
        }
        for change in changes {
            if let chunk = chunker.add(change.userID, change.record, recordBytes: change.record?.count ?? 0) { write(chunk) }
        }
        if !chunker.isEmpty { write(chunker.take()) }
        bytesSinceSnapshot += chunker.totalBytes
        return records
    }

    /// Every user's record in chunks of about ``snapshotChunkBytes``, and the new snapshot.
    private func snapshotChunks() -> ([StateRecord], SnapshotReference) {
        let id = (snapshot?.id ?? 0) + 1
        var records: [StateRecord] = []
        var chunker = StateChunker<[UInt8]>(chunkBytes: Self.snapshotChunkBytes)
        func write(_ users: [StateChunker<[UInt8]>.Entry]) {
            records.append(.snapshotChunk(snapshotID: id, index: records.count, users: users, epoch: epoch))
        }
        processor.forEachUserRecord { user, record in
            if let chunk = chunker.add(user, record, recordBytes: record.count) { write(chunk) }
        }
        // An empty state still has a snapshot: one empty chunk.
        if !chunker.isEmpty || records.isEmpty { write(chunker.take()) }
        lastSnapshotBytes = chunker.totalBytes
        bytesSinceSnapshot = 0
        statistics.snapshots += 1
        return (records, SnapshotReference(id: id, chunks: records.count))
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
    public var checkpoints = 0
    public var snapshots = 0
}
