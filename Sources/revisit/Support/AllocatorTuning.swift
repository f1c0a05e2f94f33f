#if canImport(Glibc)
import Glibc
#endif

/// Settings of glibc's allocator (`mallopt`), made at start.
///
/// librdkafka allocates a buffer for every fetch response and every produce batch (up to a
/// megabyte or so) and frees it soon after. With glibc's defaults such blocks are mapped and
/// unmapped each time, or trimmed off the heap, so the kernel zeroes fresh pages over and
/// over: a profile of `revisit run` showed a tenth of all CPU time in `clear_page_erms`.
/// ``applyDefaults()`` keeps freed memory up to 256 MiB with the process for reuse.
enum AllocatorTuning {
    /// The `mallopt` options used here (`<malloc.h>`, which the Glibc module does not export).
    enum Option: Int32 {
        /// Free memory at the top of a heap is returned to the kernel only beyond this much.
        case trimThreshold = -1
        /// Blocks of this size and more get a mapping of their own.
        case mmapThreshold = -3
    }

    /// glibc's own trim threshold, for measurements that want its behavior back.
    static let glibcTrimThreshold: Int32 = 128 << 10

    /// Applies the settings of every `revisit` process, unless the environment sets glibc's
    /// own tunables (`GLIBC_TUNABLES`, `MALLOC_TRIM_THRESHOLD_`, ...): an operator's choice wins.
    static func applyDefaults() {
        let environment = ["GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"]
        guard !environment.contains(where: { getenv($0) != nil }) else { return }
        set(.mmapThreshold, 32 << 20)
        set(.trimThreshold, 256 << 20)
    }

    /// Sets one option (a no-op where the C library has no `mallopt`).
    static func set(_ option: Option, _ value: Int32) {
        #if canImport(Glibc)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Mallopt.self)(option.rawValue, value)
        #endif
    }
}
