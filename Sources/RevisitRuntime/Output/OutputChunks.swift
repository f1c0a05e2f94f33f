import RevisitCore

/// The output chunk limit of every processor the runtime drives (``PartitionProcessor/outputChunkLimit``):
/// `revisit run`'s tasks and both replays.
///
/// What falls due at one instant (a midnight's timers of every user, the end of input with
/// `--as-of`) comes out in chunks of this many records, each written before the next is
/// made: the outputs in memory at once stay bounded by this (and, in `revisit run`, by the
/// writer's queue), whatever the number of users. 10,000 records are a few megabytes, and
/// their hand-over costs nothing measurable against the writing itself.
public enum OutputChunks {
    public static let records = 10_000
}

extension PartitionProcessor {
    /// Takes what is emitted with `take` until a paused release is done: after a call that
    /// may have paused at the chunk limit, every chunk is taken before the next is made.
    mutating func takingChunks<E: Error>(_ take: (inout PartitionProcessor) throws(E) -> Void) throws(E) {
        try take(&self)
        while hasPausedRelease {
            resumeRelease()
            try take(&self)
        }
    }
}
