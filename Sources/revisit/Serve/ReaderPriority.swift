#if canImport(Glibc)
import Glibc
#endif

/// The scheduling priority of the thread that reads the topics of `revisit serve`: below the
/// HTTP server's, so that a catch-up (hundreds of thousands of profiles a second, one core
/// busy) does not make lookups wait for a core.
enum ReaderPriority {
    /// The nice value of the reader thread (0 is the default, 19 the lowest priority).
    static let niceness: Int32 = 10

    /// Lowers the calling thread's priority: on Linux the nice value belongs to the thread,
    /// and `setpriority` of process 0 sets the calling thread's.
    static func lower() {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}
