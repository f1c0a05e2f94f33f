import Foundation
import RevisitCore

/// What a replay did, for the summary on stderr.
public struct ReplaySummary: Sendable {
    public var linesRead: UInt64 = 0
    public var counters = ProcessorCounters()
    public var users = 0
    public var profiles = 0
    public var sessions = 0
    public var alerts = 0
    public var deadLetters = 0
    /// Daily aggregates (one per partition and closed day).
    public var metrics = 0
    /// The instant the final profiles describe, nil when no event was valid.
    public var asOf: Int64?
    public var elapsedSeconds = 0.0

    /// Adds a finished partition's counters and users.
    mutating func add(_ processor: PartitionProcessor) {
        let c = processor.counters
        counters.received += c.received
        counters.applied += c.applied
        counters.duplicates += c.duplicates
        counters.deadLetters.merge(c.deadLetters, uniquingKeysWith: +)
        users += processor.userCount
    }

    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(linesRead) / elapsedSeconds : 0 }

    /// The multi-line human summary.
    public var text: String {
        var lines = [
            "events read:   \(linesRead)",
            "applied:       \(counters.applied)",
            "duplicates:    \(counters.duplicates)",
            "dead letters:  \(counters.deadLettersTotal)",
        ]
        for reason in DeadLetterReason.allCases {
            if let n = counters.deadLetters[reason], n > 0 { lines.append("  \(reason.rawValue): \(n)") }
        }
        lines.append("users:         \(users)")
        lines.append("records:       \(profiles) profiles, \(sessions) sessions, \(alerts) alerts, \(metrics) daily aggregates")
        lines.append(String(format: "elapsed:       %.3f s", elapsedSeconds))
        lines.append(String(format: "events/s:      %.0f", eventsPerSecond))
        return lines.joined(separator: "\n")
    }
}
