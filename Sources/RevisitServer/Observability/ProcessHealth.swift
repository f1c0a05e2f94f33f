import Foundation
import Synchronization

/// Whether a process is alive and ready, as `/healthz` and `/readyz` answer it.
///
/// The process's main loop calls ``progressed(at:)`` each time it goes round and sets
/// ``isReady``; the HTTP server reads both from its own threads.
public final class ProcessHealth: Sendable {
    /// How long the main loop may go without progress before `/healthz` fails.
    public let stallLimit: Duration
    private let state: Mutex<State>

    private struct State {
        var lastProgress: ContinuousClock.Instant
        var ready = false
        var readyReason = "starting"
    }

    public init(stallLimit: Duration = .seconds(30), now: ContinuousClock.Instant = .now) {
        self.stallLimit = stallLimit
        self.state = Mutex(State(lastProgress: now))
    }

    /// Records that the main loop went round.
    public func progressed(at instant: ContinuousClock.Instant = .now) {
        state.withLock { $0.lastProgress = instant }
    }

    /// Marks the process ready (or not, with why).
    public func setReady(_ ready: Bool, reason: String = "") {
        state.withLock {
            $0.ready = ready
            $0.readyReason = ready ? "ready" : reason
        }
    }

    /// Whether the main loop progressed within ``stallLimit`` of `now`, with the time since.
    public func liveness(now: ContinuousClock.Instant = .now) -> (alive: Bool, sinceProgress: Duration) {
        let since = now - state.withLock { $0.lastProgress }
        return (since <= stallLimit, since)
    }

    /// Whether the process is ready, and why not.
    public var readiness: (ready: Bool, reason: String) {
        state.withLock { ($0.ready, $0.readyReason) }
    }
}
