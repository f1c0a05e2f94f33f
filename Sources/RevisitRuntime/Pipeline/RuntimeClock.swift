import Foundation

/// Where the runtime reads the time of its decisions from: when a checkpoint is due, when a
/// silent partition's watermark follows the wall clock, when a stop's deadline passed.
///
/// ``SystemClock`` is the real one; the runtime's test driver moves its own by hand, so that
/// a test decides what time it is. Waits for other threads (a checkpoint to become durable)
/// still block on the real clock, in slices short enough for the decisions around them.
public protocol RuntimeClock: Sendable {
    /// The time now.
    var now: Date { get }
}

extension RuntimeClock {
    /// The time now in epoch milliseconds: the processors' wall clock.
    var milliseconds: Int64 { Int64(now.timeIntervalSince1970 * 1000) }
}

/// The system's wall clock.
public struct SystemClock: RuntimeClock {
    public init() {}

    public var now: Date { Date() }
}
