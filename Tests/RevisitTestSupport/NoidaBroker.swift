import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RevisitKafka

/// A `noida-db` Kafka broker (PyPI `noida-db`, installed by `scripts/test`) as a child process
/// on a free loopback port with a scratch data directory: a second Kafka implementation, with
/// a controller, topic configs, offsets-for-times and data kept across restarts, which the
/// mock cluster lacks. Stopped and its directory removed when released.
public final class NoidaBroker {
    /// The noida-db version the tests were written against.
    public static let version = "0.2.3"

    public let dataDirectory: String
    public private(set) var port: Int = 0
    private var process: Process?

    /// Starts a broker on a port the system picks.
    public init() throws {
        dataDirectory = NSTemporaryDirectory() + "revisit-noida-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        try start(port: 0)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    public var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: bootstrapServers, properties: ["log_level": "2"])
    }

    /// Stops the broker (SIGTERM: it saves its data), if it runs; SIGKILL after 10 s.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        self.process = nil
    }

    /// Starts the broker again on the same port and data directory.
    public func restart() throws {
        stop()
        try start(port: port)
    }

    /// The command that runs the bundled binary with `arguments`: through python3, which finds
    /// it in its `noida_db` package (the pip wrapper does not pass signals on) and clears the
    /// signal mask that the child would inherit from the test's thread, so that SIGTERM
    /// reaches it. `$REVISIT_NOIDA_DB` names another binary.
    public static func command(_ arguments: [String]) -> [String] {
        let script = """
            import noida_db, os, signal, sys
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            binary = os.environ.get("REVISIT_NOIDA_DB") or os.path.join(os.path.dirname(noida_db.__file__), "noida-db")
            os.execv(binary, [binary] + sys.argv[1:])
            """
        return ["python3", "-c", script] + arguments
    }

    /// Runs the broker and waits for the line naming its Kafka address, which it prints once
    /// its saved data is loaded (the port accepts connections before that).
    private func start(port requested: Int) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = Self.command(["start", "--only", "kafka", "--kafka-port", String(requested), "--data-dir", dataDirectory])
        let output = Pipe()
        child.standardOutput = output
        let errors = Pipe()
        child.standardError = errors
        try child.run()
        process = child
        var text = ""
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("kafka ") }),
               let found = line.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
                port = found
                // Keep draining its output so that the child never blocks on a full pipe.
                for drained in [handle, errors.fileHandleForReading] {
                    drained.readabilityHandler = { if $0.availableData.isEmpty { $0.readabilityHandler = nil } }
                }
                return
            }
        }
        // The output ended without the address: the broker exited.
        child.waitUntilExit()
        self.process = nil
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        throw NoidaError(
            "noida-db exited (\(child.terminationStatus)) before reporting its Kafka address: \(text)\(stderr). "
                + "Is noida-db \(Self.version) installed? `python3 -m pip install noida-db==\(Self.version)` (scripts/test does)")
    }
}

public struct NoidaError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
