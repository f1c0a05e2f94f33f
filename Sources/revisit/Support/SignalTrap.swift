import Glibc

/// The thread that called ``SignalTrap/install()``: the signal handler forwards to it. Written
/// once before the handler is installed, only read by the handler after.
private nonisolated(unsafe) var trapThread = pthread_self()

/// Turns SIGINT and SIGTERM into something a command can wait for or check between polls.
///
/// Call ``install()`` on the thread that waits, before starting any thread (librdkafka's
/// included): threads inherit the blocked mask, so the signals stay pending for this trap
/// instead of killing a random thread. Threads that already run (the main thread and
/// Dispatch's workers, since `revisit` has an async entry point and runs a command on a
/// worker) do not block them; there a handler passes the signal on to the trapping thread.
enum SignalTrap {
    private static var signals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    /// Blocks SIGINT and SIGTERM in this thread and every thread started after, and sends
    /// those that reach another thread on to this one.
    static func install() {
        var set = signals
        pthread_sigmask(SIG_BLOCK, &set, nil)
        trapThread = pthread_self()
        var action = sigaction()
        // pthread_kill is async-signal-safe; the signal stays pending on the trapping thread,
        // where wait() and pending() take it.
        action.__sigaction_handler.sa_handler = { signal in _ = pthread_kill(trapThread, signal) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
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
        pending() != nil
    }

    /// The number of the SIGINT or SIGTERM that arrived (consuming it), or `nil`, without waiting.
    static func pending() -> Int32? {
        var set = signals
        var timeout = timespec(tv_sec: 0, tv_nsec: 0)
        let received = sigtimedwait(&set, nil, &timeout)
        return received > 0 ? received : nil
    }
}
