import RevisitCore

/// A checkpoint marker of one task in the state topic (SPEC 8): the input offset the task's
/// state covers, the end offsets of its output partitions at that moment, and the
/// partition-level part of its state.
///
/// Everything before a checkpoint is durable: the task writes it only after every output
/// and state record before it was acknowledged. A new owner restores the latest one.
public struct Checkpoint: Sendable, Equatable {
    /// The owner generation that wrote it; every restore starts a new one.
    public var epoch: UInt64
    /// The next input offset to process: every message before it is reflected in the state.
    public var inputOffset: Int64
    /// Where re-reading starts to refill the reorder buffer (<= ``inputOffset``): the
    /// smallest offset among the events that were waiting for the watermark.
    public var rebufferOffset: Int64
    /// The next offset of each output partition the task writes, by topic name.
    public var outputEnds: [String: Int64]
    /// The snapshot that user records after it build on, nil before the first one.
    public var snapshot: SnapshotReference?
    /// Whether this checkpoint completes ``snapshot``: the records just before it are the
    /// snapshot's chunks, and the whole state.
    public var completesSnapshot: Bool
    /// The processor's frame (``PartitionProcessor/exportFrame()``).
    public var frame: [UInt8]
    /// Wall-clock time of writing, epoch ms (for operators reading the state topic).
    public var writtenAt: Int64

    public init(
        epoch: UInt64, inputOffset: Int64, rebufferOffset: Int64, outputEnds: [String: Int64],
        snapshot: SnapshotReference?, completesSnapshot: Bool, frame: [UInt8], writtenAt: Int64
    ) {
        self.epoch = epoch
        self.inputOffset = inputOffset
        self.rebufferOffset = rebufferOffset
        self.outputEnds = outputEnds
        self.snapshot = snapshot
        self.completesSnapshot = completesSnapshot
        self.frame = frame
        self.writtenAt = writtenAt
    }

    // MARK: - Binary form

    func encode(into w: inout SnapshotWriter) {
        w.unsigned(epoch)
        w.signed(inputOffset)
        w.signed(rebufferOffset)
        w.unsigned(outputEnds.count)
        for (topic, offset) in outputEnds.sorted(by: { $0.key < $1.key }) {
            w.string(topic)
            w.signed(offset)
        }
        w.bool(snapshot != nil)
        if let snapshot {
            w.unsigned(snapshot.id)
            w.unsigned(snapshot.chunks)
        }
        w.bool(completesSnapshot)
        w.byteString(frame)
        w.signed(writtenAt)
    }

    static func decode(from r: inout SnapshotReader) throws(PartitionProcessorError) -> Checkpoint {
        let epoch = try r.unsigned()
        let inputOffset = try r.signed()
        let rebufferOffset = try r.signed()
        var ends: [String: Int64] = [:]
        for _ in 0..<(try r.count()) { ends[try r.string()] = try r.signed() }
        var snapshot: SnapshotReference?
        if try r.bool() { snapshot = SnapshotReference(id: try r.unsigned(), chunks: try r.unsigned(as: Int.self)) }
        return Checkpoint(
            epoch: epoch, inputOffset: inputOffset, rebufferOffset: rebufferOffset, outputEnds: ends,
            snapshot: snapshot, completesSnapshot: try r.bool(), frame: try r.byteString(), writtenAt: try r.signed())
    }
}

/// Names one snapshot in the state topic: its id and how many chunk records it has.
public struct SnapshotReference: Sendable, Equatable {
    public var id: UInt64
    public var chunks: Int

    public init(id: UInt64, chunks: Int) {
        self.id = id
        self.chunks = chunks
    }
}
