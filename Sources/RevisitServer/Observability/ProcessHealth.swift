import Foundation
import Synchronization

/// Whether a process is alive and ready, as `/healthz` and `/readyz` answer it.
///
/// The process's main loop calls ``progressed(at:nextWithin:)`` each time it goes round and
/// sets readiness with ``setReady(_:reason:)``; the HTTP server reads both from its own threads.
public final class ProcessHealth: Sendable {
    /// How long the main loop may go without progress before `/healthz` fails.
    public let stallLimit: Duration
    private let state: Mutex<State>

    private struct State {
        var lastProgress: ContinuousClock.Instant
        /// What the last progress allowed for the next one, instead of ``stallLimit``.
        var allowance: Duration?
        var ready = false
        var readyReason = "starting"
    }

    public init(stallLimit: Duration = .seconds(30), now: ContinuousClock.Instant = .now) {
        self.stallLimit = stallLimit
        self.state = Mutex(State(lastProgress: now))
    }

    /// Records that the main loop went round. With `allowance`, the next step may take that
    /// long instead of ``stallLimit`` (one long step, such as a restore).
    public func progressed(at instant: ContinuousClock.Instant = .now, nextWithin allowance: Duration? = nil) {
        state.withLock {
            $0.lastProgress = instant
            $0.allowance = allowance
        }
    }

    /// Marks the process ready (or not, with why).
    public func setReady(_ ready: Bool, reason: String = "") {
        state.withLock {
            $0.ready = ready
            $0.readyReason = ready ? "ready" : reason
        }
    }

    /// Whether the main loop progressed within ``currentLimit`` of `now`, with the time since.
    public func liveness(now: ContinuousClock.Instant = .now) -> (alive: Bool, sinceProgress: Duration) {
        let (last, limit) = state.withLock { ($0.lastProgress, $0.allowance ?? stallLimit) }
        let since = now - last
        return (since <= limit, since)
    }

    /// How long the main loop may go without progress now: ``stallLimit``, or the allowance
    /// of a long step in progress.
    public var currentLimit: Duration {
        state.withLock { $0.allowance ?? stallLimit }
    }

    /// Whether the process is ready, and why not.
    public var readiness: (ready: Bool, reason: String) {
        state.withLock { ($0.ready, $0.readyReason) }
    }
}
