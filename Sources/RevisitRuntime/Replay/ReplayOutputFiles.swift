import RevisitCore

/// The output files of a replay.
///
/// Every record but the daily aggregates goes to its file as it is emitted. Daily
/// aggregates are held back, one short list per partition, and written at ``close()`` in
/// partition, then date order, so that `metrics.jsonl` reads like the metrics topic
/// partition by partition.
final class ReplayOutputFiles {
    let profiles: BufferedFileWriter
    let sessions: BufferedFileWriter
    let alerts: BufferedFileWriter
    let deadLetters: BufferedFileWriter
    let metrics: BufferedFileWriter
    private var metricsByPartition: [Int: [DailyMetricsRecord]] = [:]

    init(directory: String) throws(ReplayError) {
        profiles = try BufferedFileWriter(path: directory + "/profiles.jsonl")
        sessions = try BufferedFileWriter(path: directory + "/sessions.jsonl")
        alerts = try BufferedFileWriter(path: directory + "/alerts.jsonl")
        deadLetters = try BufferedFileWriter(path: directory + "/dlq.jsonl")
        metrics = try BufferedFileWriter(path: directory + "/metrics.jsonl")
    }

    /// Writes and clears what a processor emitted, chunk by chunk when it paused a release.
    func write(from processor: inout PartitionProcessor) throws(ReplayError) {
        try processor.takingChunks { (processor) throws(ReplayError) in try writeOutputs(of: &processor) }
    }

    private func writeOutputs(of processor: inout PartitionProcessor) throws(ReplayError) {
        var failure: ReplayError?
        processor.drainOutputs { record in
            guard failure == nil else { return }
            let file: BufferedFileWriter
            switch record {
            case .profile, .tombstone: file = profiles
            case .session: file = sessions
            case .alert: file = alerts
            case .deadLetter: file = deadLetters
            case .metrics(let m, _):
                metricsByPartition[m.partition ?? 0, default: []].append(m)
                return
            }
            do {
                try file.writeLine { OutputEncoder.append(record, to: &$0) }
            } catch {
                failure = error as? ReplayError ?? .processor("\(error)")
            }
        }
        if let failure { throw failure }
    }

    func close() throws(ReplayError) {
        for partition in metricsByPartition.keys.sorted() {
            // A partition closes its days in date order.
            for record in metricsByPartition[partition]! {
                try metrics.writeLine { OutputEncoder.append(record, to: &$0) }
            }
        }
        metricsByPartition.removeAll()
        try profiles.close()
        try sessions.close()
        try alerts.close()
        try deadLetters.close()
        try metrics.close()
    }
}
