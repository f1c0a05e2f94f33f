import Collections
import RevisitCore
import RevisitKafka

/// Replays one partition of the state topic, in offset order, into what its task restores:
/// the latest checkpoint, the state it covers and the users whose records came after it.
///
/// The rules, which make a crash at any point recoverable without transactions:
/// - Records are committed by the checkpoint that follows them; records after the last
///   checkpoint of an owner (it crashed while writing) are *uncommitted*: they are dropped,
///   and the new owner re-writes those users from the committed state, so that compaction
///   keeps a committed value for every key.
/// - A checkpoint that completes a snapshot replaces the state by the snapshot's chunks.
/// - Every owner writes under a higher epoch than the last; a record with a lower epoch
///   than one already seen comes from a former owner still writing (a zombie) and is ignored.
/// - The state must start at the beginning of the log or at a complete snapshot: if retention
///   deleted the base, the partition's state is lost and restoring refuses to guess.
/// - Chunks of changes stay in the log until tombstoned; the log lists the ones left, so that
///   the new owner tombstones them once a snapshot of its own covers them.
struct StatePartitionLog {
    private let logStart: Int64
    private(set) var maxEpoch: UInt64 = 0
    private var sawRecord = false
    private(set) var committed: [String: [UInt8]] = [:]
    private var pending: [String: [UInt8]?] = [:]
    private var chunkSnapshot: UInt64?
    private var chunks: [Int: [(userID: String, record: [UInt8])]] = [:]
    private var hasBase: Bool
    private(set) var lastCheckpoint: Checkpoint?
    private(set) var uncommitted: Set<String> = []
    /// Records ignored because a newer owner had already written.
    private(set) var zombieRecords = 0
    /// Keys of the chunks of changes not tombstoned: those before the latest complete
    /// snapshot (which covers them), and those after it.
    private(set) var coveredChangeKeys: OrderedSet<String> = []
    private(set) var changeKeysSinceSnapshot: OrderedSet<String> = []
    private(set) var records = 0

    /// `logStart` is the partition's first offset still in the log.
    init(logStart: Int64) {
        self.logStart = logStart
        self.hasBase = logStart == 0
    }

    mutating func apply(_ record: StateRecord, offset: Int64, partition: TopicPartition) throws(PipelineError) {
        switch record {
        case .retiredChunk:
            return
        case .retiredChanges(let key):
            coveredChangeKeys.remove(key)
            changeKeysSinceSnapshot.remove(key)
            return
        case .changes(let sequence, _, let epoch):
            // Whoever wrote it, and whether it counts: it is in the log until tombstoned.
            changeKeysSinceSnapshot.append(StateRecord.changesKey(epoch: epoch, sequence: sequence))
        default:
            break
        }
        records += 1
        let epoch = record.epoch
        if sawRecord, epoch < maxEpoch {
            zombieRecords += 1
            return
        }
        if !sawRecord || epoch > maxEpoch {
            dropPending()
            maxEpoch = epoch
            sawRecord = true
        }
        switch record {
        case .user(let user, let value, _):
            pending[user] = .some(value)
        case .erased(let user, _):
            pending[user] = .some(nil)
        case .changes(_, let users, _):
            for (user, value) in users { pending[user] = .some(value) }
        case .snapshotChunk(let id, let index, let users, _):
            if chunkSnapshot != id {
                chunkSnapshot = id
                chunks = [:]
            }
            chunks[index] = users
        case .retiredChunk, .retiredChanges:
            break
        case .checkpoint(let checkpoint):
            if checkpoint.completesSnapshot, let snapshot = checkpoint.snapshot {
                guard chunkSnapshot == snapshot.id, chunks.count == snapshot.chunks,
                      (0..<snapshot.chunks).allSatisfy({ chunks[$0] != nil })
                else {
                    throw PipelineError(
                        .corruptState,
                        "the checkpoint completes snapshot \(snapshot.id) of \(snapshot.chunks) chunks, but \(chunks.count) of them precede it",
                        topic: partition.topic, partition: partition.partition, offset: offset)
                }
                committed = [:]
                for index in 0..<snapshot.chunks {
                    for (user, value) in chunks[index]! { committed[user] = value }
                }
                pending = [:]
                chunks = [:]
                chunkSnapshot = nil
                hasBase = true
                coveredChangeKeys.formUnion(changeKeysSinceSnapshot)
                changeKeysSinceSnapshot.removeAll()
            } else {
                for (user, value) in pending { committed[user] = value }
                pending = [:]
            }
            lastCheckpoint = checkpoint
        }
    }

    /// Ends the replay: checks that the state has its base and lists the uncommitted tail.
    mutating func finish(partition: TopicPartition) throws(PipelineError) {
        dropPending()
        guard lastCheckpoint == nil || hasBase else {
            throw PipelineError(
                .stateLost,
                "the state topic starts at offset \(logStart), after the snapshot the state builds on: retention deleted it. "
                    + "Raise the topic's retention (it should be compacted, cleanup.policy=compact) and reset this application's state",
                topic: partition.topic, partition: partition.partition)
        }
    }

    private mutating func dropPending() {
        uncommitted.formUnion(pending.keys)
        pending = [:]
        chunks = [:]
        chunkSnapshot = nil
    }
}
