import Foundation
import Logging

/// Whether `revisit run` is ready, announced to probes: the ready file (listing the
/// partitions) and the health reporter. Ready while every assigned partition is restored and
/// processing; not ready otherwise.
struct Readiness {
    private let readyFile: String?
    private let health: (any PipelineHealthReporting)?
    private let input: String
    private let logger: Logger
    /// The partitions announced ready (the ready file lists them), nil while not ready.
    private var announced: [Int32]?

    init(readyFile: String?, health: (any PipelineHealthReporting)?, input: String, logger: Logger) {
        self.readyFile = readyFile
        self.health = health
        self.input = input
        self.logger = logger
    }

    /// Keeps readiness in step with the partitions `held`, each restored and processing.
    mutating func update(held: [Int32]) {
        guard held != announced else { return }
        guard !held.isEmpty else {
            withdraw("no partitions assigned")
            return
        }
        if let path = readyFile {
            let listing = held.map { "\(input)/\($0)" }.joined(separator: "\n") + "\n"
            // Written whole, then renamed: a probe never sees half a file.
            let temporary = path + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: Data(listing.utf8)),
                  rename(temporary, path) == 0
            else {
                logger.warning("cannot write the ready file \(path)")
                return
            }
        }
        health?.setReady(true, reason: "")
        if announced == nil { logger.info("ready: partitions \(held) restored and processing") }
        announced = held
    }

    /// Not ready, for `reason`: removes the ready file (at start, also one a killed process
    /// left behind).
    mutating func withdraw(_ reason: String) {
        if let path = readyFile { try? FileManager.default.removeItem(atPath: path) }
        health?.setReady(false, reason: reason)
        announced = nil
    }

    /// Not ready while the process stops; the ready file goes with ``withdraw(_:)`` at the end.
    mutating func stopping() {
        health?.setReady(false, reason: "stopping")
        announced = nil
    }
}
