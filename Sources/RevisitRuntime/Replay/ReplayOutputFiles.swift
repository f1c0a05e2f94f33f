import RevisitCore

/// The four output files of a replay.
final class ReplayOutputFiles {
    let profiles: BufferedFileWriter
    let sessions: BufferedFileWriter
    let alerts: BufferedFileWriter
    let deadLetters: BufferedFileWriter

    init(directory: String) throws(ReplayError) {
        profiles = try BufferedFileWriter(path: directory + "/profiles.jsonl")
        sessions = try BufferedFileWriter(path: directory + "/sessions.jsonl")
        alerts = try BufferedFileWriter(path: directory + "/alerts.jsonl")
        deadLetters = try BufferedFileWriter(path: directory + "/dlq.jsonl")
    }

    /// Writes and clears what a processor emitted.
    func write(from processor: inout PartitionProcessor) throws(ReplayError) {
        var failure: ReplayError?
        processor.drainOutputs { record in
            guard failure == nil else { return }
            let file: BufferedFileWriter
            switch record {
            case .profile, .tombstone: file = profiles
            case .session: file = sessions
            case .alert: file = alerts
            case .deadLetter: file = deadLetters
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
        try profiles.close()
        try sessions.close()
        try alerts.close()
        try deadLetters.close()
    }
}
