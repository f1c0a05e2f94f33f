#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RevisitCore

/// The output files of a replay.
///
/// Every record but the daily aggregates goes to its file as it is emitted. Daily
/// aggregates are held back, one short list per partition, and written at ``close()`` in
/// partition, then date order, so that `metrics.jsonl` reads like the metrics topic
/// partition by partition.
///
/// A concurrent topic replay gives each partition files of its own (``init(partitionFilesIn:prefix:flushBytes:)``)
/// and appends them to the output files in partition order (``append(_:)``).
final class ReplayOutputFiles {
    let profiles: BufferedFileWriter
    let sessions: BufferedFileWriter
    let alerts: BufferedFileWriter
    let deadLetters: BufferedFileWriter
    let metrics: BufferedFileWriter
    private var metricsByPartition: [Int: [DailyMetricsRecord]] = [:]

    /// The output files in `directory`, created (or emptied) now.
    convenience init(directory: String) throws(ReplayError) {
        try self.init(directory: directory, prefix: "", flushBytes: 1 << 20, keepsOpen: true)
    }

    /// One partition's files in `directory`, named `prefix` + `profiles.jsonl` and so on,
    /// each created at its first flush of `flushBytes`; its daily aggregates stay in memory.
    convenience init(partitionFilesIn directory: String, prefix: String, flushBytes: Int) throws(ReplayError) {
        try self.init(directory: directory, prefix: prefix, flushBytes: flushBytes, keepsOpen: false)
    }

    private init(directory: String, prefix: String, flushBytes: Int, keepsOpen: Bool) throws(ReplayError) {
        func file(_ name: String) throws(ReplayError) -> BufferedFileWriter {
            try BufferedFileWriter(path: directory + "/" + prefix + name, flushBytes: flushBytes, keepsOpen: keepsOpen)
        }
        profiles = try file("profiles.jsonl")
        sessions = try file("sessions.jsonl")
        alerts = try file("alerts.jsonl")
        deadLetters = try file("dlq.jsonl")
        metrics = try file("metrics.jsonl")
    }

    private var recordFiles: [BufferedFileWriter] { [profiles, sessions, alerts, deadLetters] }

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

    /// A partition's files once written out: what another thread needs to append them.
    struct PartitionFiles: Sendable {
        /// Path and record count of the profiles, sessions, alerts and dead-letter files.
        var records: [RecordFile]
        /// The daily aggregates, held in memory as the output files hold them.
        var metrics: [Int: [DailyMetricsRecord]]

        struct RecordFile: Sendable {
            var path: String
            var count: Int
        }
    }

    /// Writes out a partition's record files (see ``init(partitionFilesIn:prefix:flushBytes:)``)
    /// and hands over its daily aggregates.
    func finishPartition() throws(ReplayError) -> PartitionFiles {
        for file in recordFiles { try file.flush() }
        defer { metricsByPartition.removeAll() }
        return PartitionFiles(
            records: recordFiles.map { PartitionFiles.RecordFile(path: $0.path, count: $0.records) },
            metrics: metricsByPartition)
    }

    /// Appends the records of a partition's files after those written so far, takes over its
    /// daily aggregates after those held, and removes its files.
    func append(_ partition: PartitionFiles) throws(ReplayError) {
        for (file, other) in zip(recordFiles, partition.records) {
            try file.append(contentsOf: other.path, records: other.count)
            unlink(other.path)
        }
        for (key, records) in partition.metrics { metricsByPartition[key, default: []] += records }
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
