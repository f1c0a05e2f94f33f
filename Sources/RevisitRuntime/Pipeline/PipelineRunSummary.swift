import Foundation
import RevisitCore

/// What one `revisit run` process did, reported when it stops.
public struct PipelineRunSummary: Sendable {
    public var partitionsAssigned = 0
    public var partitionsReleased = 0
    /// One entry per partition taken over, in order.
    public var restores: [RestoreStatistics] = []
    /// What the tasks did, summed over every partition held.
    public var totals = TaskStatistics()
    /// Output records written.
    public var outputsWritten = 0
    /// Output records a former owner had already written after its checkpoint (not written again).
    public var outputsAlreadyWritten = 0
    /// ``outputsWritten`` by output topic.
    public var outputsByTopic: [String: Int] = [:]
    public var checkpoints = 0
    /// Tasks restarted from their last checkpoint after a failed delivery.
    public var resets = 0
    /// Times input was paused because outputs queued up.
    public var backpressurePauses = 0
    /// The counters of each partition held when the process stopped, over the partition's
    /// whole history (they are part of the restored state), and the events still waiting for
    /// the watermark: received = applied + duplicates + dead letters + buffered.
    public var heldAtStop: [Int32: (counters: ProcessorCounters, buffered: Int)] = [:]
    public var firstMessageAt: Date?
    public var lastMessageAt: Date?
    /// Seconds between the first and the last message spent in polls that returned none: the
    /// part of ``processingSeconds`` in which fetching, not processing, was the limit.
    public var inputWaitSeconds = 0.0
    /// Errors the Kafka clients reported and recovered from, by client and code.
    public var clientErrors: [ClientErrorKind: Int] = [:]

    public init() {}

    mutating func add(_ task: TaskStatistics) {
        totals.messages += task.messages
        totals.rebuffered += task.rebuffered
        totals.skippedByRetention += task.skippedByRetention
        totals.checkpoints += task.checkpoints
        totals.snapshots += task.snapshots
    }

    /// Seconds from the first to the last input message processed.
    public var processingSeconds: Double {
        guard let first = firstMessageAt, let last = lastMessageAt else { return 0 }
        return last.timeIntervalSince(first)
    }

    /// One JSON line for scripts and benchmarks.
    public var json: String {
        let restoredUsers = restores.map(\.users).reduce(0, +)
        let restoreSeconds = restores.map(\.seconds).max() ?? 0
        let held = heldAtStop.sorted { $0.key < $1.key }.map { p, held in
            let c = held.counters
            return "\"\(p)\":{\"received\":\(c.received),\"applied\":\(c.applied),\"duplicates\":\(c.duplicates),"
                + "\"dead_letters\":\(c.deadLettersTotal),\"buffered\":\(held.buffered)}"
        }.joined(separator: ",")
        // Kafka topic names are ASCII letters, digits, '.', '_' and '-': nothing to escape.
        let byTopic = outputsByTopic.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        // Error code names are librdkafka's (letters, digits and '_'): nothing to escape.
        let errors = clientErrors.sorted { $0.key.description < $1.key.description }
            .map { "\"\($0.key.client.rawValue) \($0.key.code)\":\($0.value)" }.joined(separator: ",")
        func time(_ date: Date?) -> String { date.map { String(format: "%.6f", $0.timeIntervalSince1970) } ?? "null" }
        return "{\"messages\":\(totals.messages),\"rebuffered\":\(totals.rebuffered),\"outputs_written\":\(outputsWritten),"
            + "\"outputs_already_written\":\(outputsAlreadyWritten),\"outputs_by_topic\":{\(byTopic)},\"checkpoints\":\(checkpoints),"
            + "\"snapshots\":\(totals.snapshots),\"partitions_assigned\":\(partitionsAssigned),"
            + "\"partitions_released\":\(partitionsReleased),\"resets\":\(resets),\"backpressure_pauses\":\(backpressurePauses),"
            + "\"restored_users\":\(restoredUsers),\"restore_seconds\":\(String(format: "%.6f", restoreSeconds)),"
            + "\"first_message_at\":\(time(firstMessageAt)),\"last_message_at\":\(time(lastMessageAt)),"
            + "\"input_wait_seconds\":\(String(format: "%.6f", inputWaitSeconds)),"
            + "\"client_errors\":{\(errors)},\"held_at_stop\":{\(held)}}"
    }
}
