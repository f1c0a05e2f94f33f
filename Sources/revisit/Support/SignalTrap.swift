import Glibc

/// Turns SIGINT and SIGTERM into something a command can wait for or check between polls.
///
/// Call ``install()`` before starting any thread (librdkafka's included): threads inherit the
/// blocked mask, so the signals stay pending for this trap instead of killing a random thread.
enum SignalTrap {
    private static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    /// Blocks SIGINT and SIGTERM in this thread and every thread started after.
    static func install() {
        var set = signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until SIGINT or SIGTERM arrives and returns its number.
    static func wait() -> Int32 {
        var set = signals
        var received: Int32 = 0
        sigwait(&set, &received)
        return received
    }

    /// Whether SIGINT or SIGTERM arrived (consuming it), without waiting.
    static func received() -> Bool {
        var set = signals
        var timeout = timespec(tv_sec: 0, tv_nsec: 0)
        return sigtimedwait(&set, nil, &timeout) > 0
    }
}
