import Foundation
import Synchronization

/// Runs the built `revisit` executable (and kcat) as separate processes, as a user would.
enum RevisitProcess {
    /// The `revisit` binary of this build: `$REVISIT_BINARY`, else `.build/debug/revisit`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["REVISIT_BINARY"] { return URL(fileURLWithPath: path) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/revisit")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs to completion with `input` on stdin.
    static func run(_ executable: URL, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        let outputs = ReadBoth(stdout: stdout, stderr: stderr)
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        let (out, err) = outputs.wait()
        return Output(status: process.terminationStatus, stdout: out, stderr: err)
    }

    static func revisit(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Output {
        try run(binary, arguments, input: input, environment: environment)
    }

    static func kcat(_ arguments: [String]) throws -> Output? {
        guard let path = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first(where: FileManager.default.isExecutableFile) else { return nil }
        return try run(URL(fileURLWithPath: path), arguments)
    }

    /// A `revisit broker` process, stopped with SIGTERM by ``stop()``.
    final class Broker {
        let process = Process()
        let bootstrap: String
        let bootstrapFile: String

        init(topics: [String]) throws {
            bootstrapFile = NSTemporaryDirectory() + "revisit-broker-\(UUID().uuidString)"
            process.executableURL = RevisitProcess.binary
            process.arguments = ["broker", "--bootstrap-file", bootstrapFile] + topics.flatMap { ["--topic", $0] }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(20)
            var address = ""
            while address.isEmpty, Date() < deadline, process.isRunning {
                address = (try? String(contentsOfFile: bootstrapFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if address.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard !address.isEmpty else { throw BrokerDidNotStart() }
            bootstrap = address
        }

        /// Sends SIGTERM and returns the exit status.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }

        deinit { if process.isRunning { process.terminate() } }
    }

    struct BrokerDidNotStart: Error {}
}

/// Drains two pipes on background threads.
private final class ReadBoth: Sendable {
    private let out = Mutex(Data())
    private let err = Mutex(Data())
    private let group = DispatchGroup()

    init(stdout: Pipe, stderr: Pipe) {
        group.enter()
        group.enter()
        DispatchQueue.global().async { [self] in
            let data = stdout.fileHandleForReading.readDataToEndOfFile()
            out.withLock { $0 = data }
            group.leave()
        }
        DispatchQueue.global().async { [self] in
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            err.withLock { $0 = data }
            group.leave()
        }
    }

    func wait() -> (String, String) {
        group.wait()
        return (out.withLock { String(decoding: $0, as: UTF8.self) }, err.withLock { String(decoding: $0, as: UTF8.self) })
    }
}
