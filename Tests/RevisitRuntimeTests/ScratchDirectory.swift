import Foundation

/// Files the replay tests write: all under one directory of this test process, which is
/// removed when the process exits, so runs leave nothing behind in the temporary directory.
enum ScratchDirectory {
    /// `<tmp>/revisit-runtime-tests-<pid>`, created (and its removal at exit registered) on
    /// first use.
    static let root: String = {
        let path = NSTemporaryDirectory() + "revisit-runtime-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: ScratchDirectory.root) }
        return path
    }()

    /// A fresh path in ``root``: `<prefix>-<uuid><suffix>`, not yet created.
    static func path(_ prefix: String, suffix: String = "") -> String {
        root + "/\(prefix)-\(UUID().uuidString)\(suffix)"
    }
}
