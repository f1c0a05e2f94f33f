#if canImport(Glibc)
import Glibc
#endif

/// Keeps glibc's allocator from handing memory back to the kernel after every large free.
///
/// librdkafka allocates a buffer for every fetch response and every produce batch (up to a
/// megabyte or so) and frees it soon after. With glibc's defaults such blocks are mapped and
/// unmapped each time, or trimmed off the heap, so the kernel zeroes fresh pages over and
/// over: a profile of `revisit run` showed a tenth of all CPU time in `clear_page_erms`.
/// Freed memory up to ``trimThreshold`` now stays with the process for reuse.
enum AllocatorTuning {
    /// Blocks below this size come from the heap, not from their own mapping.
    static let mmapThreshold: Int32 = 32 << 20
    /// Free memory at the top of a heap is returned to the kernel only beyond this much.
    static let trimThreshold: Int32 = 256 << 20

    /// Applies the settings unless the environment sets glibc's own tunables
    /// (`GLIBC_TUNABLES`, `MALLOC_TRIM_THRESHOLD_`, ...), which an operator's choice keeps.
    static func apply() {
        #if canImport(Glibc)
        let environment = ["GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"]
        guard !environment.contains(where: { getenv($0) != nil }) else { return }
        // mallopt and its options live in <malloc.h>, which the Glibc module does not export.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapThresholdOption: Int32 = -3, trimThresholdOption: Int32 = -1
        _ = mallopt(mmapThresholdOption, mmapThreshold)
        _ = mallopt(trimThresholdOption, trimThreshold)
        #endif
    }
}
