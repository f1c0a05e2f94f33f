#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The process's limit of open files, raised to what the system allows: every connection of
/// `revisit serve` takes a descriptor, and a service manager's soft limit (often 1024) would
/// refuse connections long before the server's own limit.
enum OpenFileLimit {
    static func raiseToHardLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        let before = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            logger.debug("open files: limit raised from \(before) to \(limit.rlim_max)")
        } else {
            logger.warning("open files: limit stays at \(before) (setrlimit failed); connections beyond it are refused")
        }
    }
}
