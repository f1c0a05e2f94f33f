import CMimalloc
#if canImport(Glibc)
import Glibc
#endif

/// The memory allocator of every `revisit` process: mimalloc, linked into the executable, in
/// place of glibc's malloc for the whole process (librdkafka included).
///
/// librdkafka allocates every message on one thread and frees it on another: a fetched
/// message on the fetching thread and at the next poll of the processing thread, a produced
/// one at `produce` and when its delivery report is served. glibc returns such blocks to the
/// arena of the thread that allocated them, under that arena's lock, and merges and splits
/// free blocks all the time: in profiles of `revisit run`, malloc and free took about a
/// fifth of the writer thread. mimalloc keeps free lists per thread and per page, and hands a
/// block freed elsewhere back to its page without a lock. Its settings are read from
/// `MIMALLOC_*` environment variables (`MIMALLOC_SHOW_STATS=1` prints its statistics at exit).
enum Allocator {
    /// Applies the setting of every `revisit` process, unless the environment sets it
    /// (`MIMALLOC_ALLOW_DECOMMIT`): an operator's choice wins. Freed memory stays with the
    /// process for reuse instead of going back to the kernel, which would hand it back zeroed
    /// at the next use: on the benchmark machine a run took about a tenth more CPU time that way.
    static func applyDefaults() {
        guard getenv("MIMALLOC_ALLOW_DECOMMIT") == nil else { return }
        mi_option_disable(mi_option_allow_decommit)
    }

    /// The allocator and its version, e.g. `mimalloc 2.0.9`.
    static var description: String {
        let version = Int(mi_version())
        return "mimalloc \(version / 100).\(version / 10 % 10).\(version % 10)"
    }

    /// Returns the memory freed so far to the operating system, and from now on what is
    /// freed later, so that resident memory shows live data rather than the allocator's
    /// reserve (memory benchmarks).
    static func releaseFreedMemory() {
        mi_option_enable(mi_option_allow_decommit)
        mi_collect(true)
    }
}
