import Foundation
import Glibc
import Synchronization

/// Runs the built `revisit` executable (and kcat) as separate processes, as a user would.
enum RevisitProcess {
    /// The `revisit` binary of this build: `$REVISIT_BINARY`, else the one beside the running
    /// test executable (SwiftPM builds both into one directory, so a build with
    /// `--scratch-path` runs its own), else `.build/debug/revisit`.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["REVISIT_BINARY"] { return URL(fileURLWithPath: path) }
        if let runner = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let beside = runner.deletingLastPathComponent().appendingPathComponent("revisit")
            if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/revisit")
    }()

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

    // MARK: - Broker

    /// A `revisit broker` process, stopped with SIGTERM by ``stop()``. Its stdin is a pipe, so
    /// a test can take brokers down and bring them back (``setDown(_:)``, ``setUp(_:)``,
    /// ``down()``, ``up()``) while other processes use it; its stderr goes to ``stderrFile``.
    final class Broker {
        let process = Process()
        let bootstrap: String
        let bootstrapFile: String
        /// The broker's stderr: the topics it created, what it took down or up, its stop.
        let stderrFile: String
        private let input = Pipe()
        private let answers: LineReader

        /// Starts `revisit broker --topic T ...` with `arguments` after the topics (e.g.
        /// `["--pipeline-partitions", "8", "--set", "application_id=demo"]`), and waits up to
        /// 20 s for its bootstrap address.
        init(topics: [String] = [], arguments: [String] = []) throws {
            _ = RevisitProcess.brokenPipesAreErrors
            bootstrapFile = NSTemporaryDirectory() + "revisit-broker-\(UUID().uuidString)"
            let output = Pipe()
            let errors = try RevisitProcess.temporaryFile("broker-stderr")
            stderrFile = errors.path
            process.executableURL = RevisitProcess.binary
            process.arguments = ["broker", "--bootstrap-file", bootstrapFile] + topics.flatMap { ["--topic", $0] } + arguments
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors.handle
            answers = LineReader(output.fileHandleForReading)
            try process.run()
            try errors.handle.close()
            let deadline = Date().addingTimeInterval(20)
            var address = ""
            while address.isEmpty, Date() < deadline, process.isRunning {
                address = (try? String(contentsOfFile: bootstrapFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                if address.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            }
            guard !address.isEmpty else { throw BrokerDidNotStart(stderr: RevisitProcess.contents(of: stderrFile)) }
            bootstrap = address
            // The first stdout line repeats the address; every later line answers a command.
            guard answers.next(timeout: 10) == address else { throw BrokerDidNotStart(stderr: stderr) }
        }

        var isRunning: Bool { process.isRunning }

        /// The broker's stderr so far.
        var stderr: String { RevisitProcess.contents(of: stderrFile) }

        /// Takes broker `id` (1-based) off the network; returns once the broker confirmed it.
        func setDown(_ id: Int) throws { try expectConfirmation("down \(id)") }

        /// Brings broker `id` (1-based) back; returns once the broker confirmed it.
        func setUp(_ id: Int) throws { try expectConfirmation("up \(id)") }

        /// Takes every broker down; returns once the broker confirmed it.
        func down() throws { try expectConfirmation("down all") }

        /// Brings every broker back; returns once the broker confirmed it.
        func up() throws { try expectConfirmation("up all") }

        /// Writes one command line to the broker's stdin and returns its answer line, `ok ...`
        /// or `error: ...`. Throws when no answer arrives within `timeout` seconds.
        @discardableResult
        func send(_ command: String, timeout: TimeInterval = 10) throws -> String {
            try input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
            guard let answer = answers.next(timeout: timeout) else {
                throw BrokerDidNotAnswer(command: command, answer: nil, stderr: stderr)
            }
            return answer
        }

        /// Closes the broker's stdin: it must keep running until ``stop()``.
        func closeInput() throws {
            try input.fileHandleForWriting.close()
        }

        /// Sends SIGTERM and returns the exit status.
        func stop() -> Int32 {
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }

        private func expectConfirmation(_ command: String) throws {
            let answer = try send(command)
            guard answer == "ok \(command)" else { throw BrokerDidNotAnswer(command: command, answer: answer, stderr: stderr) }
        }

        deinit {
            if process.isRunning { process.terminate() }
            try? FileManager.default.removeItem(atPath: stderrFile)
        }
    }

    struct BrokerDidNotStart: Error, CustomStringConvertible {
        var stderr = ""
        var description: String { "revisit broker did not print its bootstrap address within 20 s; its stderr: \(stderr)" }
    }

    struct BrokerDidNotAnswer: Error, CustomStringConvertible {
        var command: String
        /// The answer that was not `ok <command>`, or `nil` when none came.
        var answer: String?
        var stderr: String

        var description: String {
            let answered = answer.map { "answered \"\($0)\"" } ?? "did not answer"
            return "revisit broker \(answered) to \"\(command)\"; its stderr: \(stderr)"
        }
    }

    // MARK: - Long-running children

    /// A long-running `revisit` child such as `revisit run`: stdin at /dev/null, stdout and
    /// stderr captured to temporary files (a file cannot fill up and block the child as an
    /// unread pipe can). Killed with SIGKILL if still running when released.
    final class Child {
        /// How a child ended.
        enum Exit: Equatable, CustomStringConvertible {
            /// It exited with this status.
            case exited(Int32)
            /// A signal ended it (SIGKILL is 9).
            case signaled(Int32)

            var description: String {
                switch self {
                case .exited(let status): "exit status \(status)"
                case .signaled(let signal): "signal \(signal)"
                }
            }
        }

        let process = Process()
        let stdoutFile: String
        let stderrFile: String

        /// Starts `executable` (the `revisit` binary by default) with `arguments`, and
        /// `environment` on top of this process's environment.
        init(_ arguments: [String], environment: [String: String] = [:], executable: URL = RevisitProcess.binary) throws {
            let output = try RevisitProcess.temporaryFile("child-stdout")
            let errors = try RevisitProcess.temporaryFile("child-stderr")
            stdoutFile = output.path
            stderrFile = errors.path
            process.executableURL = executable
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output.handle
            process.standardError = errors.handle
            try process.run()
            try output.handle.close()
            try errors.handle.close()
        }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }

        /// What the child wrote to stdout so far.
        var stdout: String { RevisitProcess.contents(of: stdoutFile) }

        /// What the child wrote to stderr so far.
        var stderr: String { RevisitProcess.contents(of: stderrFile) }

        /// Waits until the child's stderr contains `text`; `false` after `timeout` seconds or
        /// when the child exited without writing it.
        func waitForStderr(containing text: String, timeout: TimeInterval = 20) -> Bool {
            waitFor(timeout: timeout) { stderr.contains(text) }
        }

        /// Waits until the child's stdout contains `text`; `false` after `timeout` seconds or
        /// when the child exited without writing it.
        func waitForStdout(containing text: String, timeout: TimeInterval = 20) -> Bool {
            waitFor(timeout: timeout) { stdout.contains(text) }
        }

        /// Waits for the child to end; `nil` when it is still running after `timeout` seconds.
        @discardableResult
        func waitForExit(timeout: TimeInterval = 20) -> Exit? {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning {
                guard Date() < deadline else { return nil }
                Thread.sleep(forTimeInterval: 0.02)
            }
            let status = process.terminationStatus
            return process.terminationReason == .uncaughtSignal ? .signaled(status) : .exited(status)
        }

        /// Sends SIGTERM (a clean stop) and waits for the child to end; `nil` when it is still
        /// running after `timeout` seconds.
        @discardableResult
        func terminate(timeout: TimeInterval = 20) -> Exit? {
            if process.isRunning { process.terminate() }
            return waitForExit(timeout: timeout)
        }

        /// Sends SIGKILL (`kill -9`: a crash, no clean-up) and waits for the child to end.
        @discardableResult
        func kill(timeout: TimeInterval = 20) -> Exit? {
            if process.isRunning { Glibc.kill(pid, SIGKILL) }
            return waitForExit(timeout: timeout)
        }

        private func waitFor(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while !condition() {
                // One more look after the exit: the child may have written just before it.
                guard Date() < deadline, process.isRunning else { return condition() }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return true
        }

        deinit {
            if process.isRunning {
                Glibc.kill(pid, SIGKILL)
                process.waitUntilExit()
            }
            try? FileManager.default.removeItem(atPath: stdoutFile)
            try? FileManager.default.removeItem(atPath: stderrFile)
        }
    }

    // MARK: - Files

    /// Creates an empty temporary file and opens it for writing, for a child's output.
    private static func temporaryFile(_ label: String) throws -> (path: String, handle: FileHandle) {
        let path = NSTemporaryDirectory() + "revisit-\(label)-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return (path, handle)
    }

    private static func contents(of path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    /// Writing to the stdin of a broker that has exited raises SIGPIPE, which would end the
    /// whole test process; ignored, the write throws EPIPE instead and the test fails.
    private static let brokenPipesAreErrors: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()
}

/// The lines a child writes to a pipe, read on a background thread as they arrive.
private final class LineReader: Sendable {
    private struct State {
        var lines: [String] = []
        var partial = Data()
        var ended = false
    }

    private let state = Mutex(State())
    private let arrived = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData  // empty at end of file
                state.withLock { state in
                    state.partial.append(data)
                    while let newline = state.partial.firstIndex(of: 0x0A) {
                        state.lines.append(String(decoding: state.partial[state.partial.startIndex..<newline], as: UTF8.self))
                        state.partial.removeSubrange(state.partial.startIndex...newline)
                    }
                    if data.isEmpty { state.ended = true }
                }
                arrived.signal()
                if data.isEmpty { return }
            }
        }
    }

    /// The next line, or `nil` when none arrives within `timeout` seconds or the pipe closed.
    func next(timeout: TimeInterval) -> String? {
        let deadline = DispatchTime.now() + timeout
        while true {
            let (line, ended) = state.withLock { state -> (String?, Bool) in
                state.lines.isEmpty ? (nil, state.ended) : (state.lines.removeFirst(), false)
            }
            if let line { return line }
            if ended || arrived.wait(timeout: deadline) == .timedOut { return nil }
        }
    }
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
