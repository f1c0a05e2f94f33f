/// What a benchmark needs from the executable that runs it.
///
/// The allocator is the executable's choice (it links one for the whole process), and so is
/// the thread priority of `revisit serve`'s topic reader; the benchmarks name the one and
/// reproduce the other, so they take both from here rather than guess.
public struct BenchmarkHost: Sendable {
    /// The allocator of the process and its version, as reports name it (e.g. `mimalloc 2.0.9`).
    public var allocator: String
    /// Gives the memory freed so far back to the operating system, and from then on what is
    /// freed later, so that resident memory shows live data rather than the allocator's reserve.
    public var releaseFreedMemory: @Sendable () -> Void
    /// Lowers the calling thread's priority to that of `revisit serve`'s topic reader.
    public var lowerReaderPriority: @Sendable () -> Void

    /// A host with the given allocator name and hooks.
    public init(
        allocator: String,
        releaseFreedMemory: @escaping @Sendable () -> Void,
        lowerReaderPriority: @escaping @Sendable () -> Void
    ) {
        self.allocator = allocator
        self.releaseFreedMemory = releaseFreedMemory
        self.lowerReaderPriority = lowerReaderPriority
    }
}
