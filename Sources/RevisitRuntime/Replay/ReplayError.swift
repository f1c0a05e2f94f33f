import RevisitCore
import RevisitKafka

/// Errors of a replay, from a file or from a topic.
public enum ReplayError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case asOfBeforeInput(asOf: Int64, largest: Int64)
    case processor(String)
    /// `--from` is after `--to`: the range is empty.
    case emptyRange(from: Int64, to: Int64)
    /// The input or output topics are missing or have the wrong partition counts.
    case topics(PipelineTopicsError)
    /// The Kafka layer failed (client creation, watermarks, a fatal consumer error).
    case kafka(KafkaError)
    /// A partition stopped delivering messages before its stop offset.
    case stalled(topic: String, partition: Int32, offset: Int64, stopOffset: Int64, seconds: Int, lastError: KafkaError?)
    /// Output messages were not delivered; what was delivered is incomplete.
    case deliveryFailed(failed: Int, first: KafkaError)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        case .asOfBeforeInput(let asOf, let largest):
            "--as-of \(EventTime.format(asOf)) is earlier than the largest event time in the input (\(EventTime.format(largest)))"
        case .processor(let message): message
        case .emptyRange(let from, let to):
            "--from \(EventTime.format(from)) is after --to \(EventTime.format(to)); nothing to replay"
        case .topics(let error): error.description
        case .kafka(let error): error.description
        case .stalled(let topic, let partition, let offset, let stopOffset, let seconds, let lastError):
            "no message from \(topic)/\(partition) for \(seconds) s at offset \(offset), before its end offset "
                + "\(stopOffset) (taken when the replay began); is the cluster reachable?"
                + (lastError.map { " Last client error: \($0)" } ?? "")
        case .deliveryFailed(let failed, let first):
            "\(failed) output message\(failed == 1 ? " was" : "s were") not delivered (first: \(first)); "
                + "the output topics are incomplete: fix the cause, empty or rename them, and replay again"
        }
    }
}
