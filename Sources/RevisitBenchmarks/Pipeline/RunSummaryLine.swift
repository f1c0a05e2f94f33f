import Foundation

/// The one JSON line `revisit run` prints on stdout when it stops.
struct RunSummaryLine: Decodable {
    var messages: Int
    var rebuffered: Int?
    var outputsWritten: Int
    var outputsAlreadyWritten: Int?
    var checkpoints: Int?
    var snapshots: Int?
    var partitionsAssigned: Int?
    var partitionsReleased: Int?
    var backpressurePauses: Int?
    var restoredUsers: Int
    var restoreSeconds: Double
    /// Epoch seconds of the first and last input message processed.
    var firstMessageAt: Double?
    var lastMessageAt: Double?
    /// Seconds of that interval spent waiting for input.
    var inputWaitSeconds: Double?

    /// The summary in the child's stdout (its last line that is a JSON object).
    static func parse(_ child: BenchChild) throws -> RunSummaryLine {
        guard let line = child.stdout.split(separator: "\n").last(where: { $0.hasPrefix("{") }) else {
            throw child.failure("printed no summary line on stdout (\(child.stdoutPath))")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(RunSummaryLine.self, from: Data(line.utf8))
        } catch {
            throw child.failure("printed a summary the benchmark cannot read (\(error)): \(line)")
        }
    }

    /// Seconds from the first to the last message processed.
    func processingSeconds(of child: BenchChild) throws -> Double {
        guard let first = firstMessageAt, let last = lastMessageAt, last > first else {
            throw child.failure("its summary has no processing interval (first_message_at, last_message_at): it processed \(messages) messages")
        }
        return last - first
    }
}
