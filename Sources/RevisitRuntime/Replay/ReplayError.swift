import RevisitCore

/// Errors of the file replay.
public enum ReplayError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case asOfBeforeInput(asOf: Int64, largest: Int64)
    case processor(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        case .asOfBeforeInput(let asOf, let largest):
            "--as-of \(EventTime.format(asOf)) is earlier than the largest event time in the input (\(EventTime.format(largest)))"
        case .processor(let message): message
        }
    }
}
