import Foundation
import Glibc

/// Child processes of the end-to-end benchmarks: the `revisit` binary of this very build (a
/// broker, pipeline members) and kcat, each with its stdout and stderr in files of one log
/// directory, so that a failure can point at what the child said.
enum BenchProcesses {
    /// The executable of this process (`/proc/self/exe`), so the children are the same build
    /// as the benchmark; `CommandLine.arguments[0]` where `/proc` is missing.
    static var revisitBinary: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    }

    /// The path of `name` on `$PATH` (a name with a slash is taken as a path), or `nil`.
    static func executable(named name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        return ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
            .map { "\($0)/\(name)" }.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
    }

    /// Monotonic seconds, for wall times.
    static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// The name and user + system CPU seconds in a /proc `stat` file (of a process or thread).
    static func cpu(ofStatFile path: String) -> (name: String, seconds: Double)? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        // After the name: state (field 3), ..., utime (14), stime (15).
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (String(text[text.index(after: open)..<close]), (user + system) / clockTicksPerSecond)
    }

    private static let clockTicksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The directory holding one benchmark run's child logs. Removed by ``removeAfterSuccess()``;
/// after a failure it stays, and errors name the files in it.
final class BenchLogDirectory {
    let path: String
    private var counter = 0

    init(label: String) throws {
        path = NSTemporaryDirectory() + "revisit-bench-\(label)-\(getpid())"
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A new file path in the directory, `NN-name.suffix` (the name with anything but
    /// letters and digits as `-`).
    func file(_ name: String, _ suffix: String) -> String {
        counter += 1
        let safe = String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" })
        return path + "/" + String(format: "%02d", counter) + "-\(safe).\(suffix)"
    }

    func removeAfterSuccess() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// One child process: stdin at /dev/null, stdout and stderr in files (a file cannot fill up
/// and block the child the way an unread pipe can). ``stop(timeout:)`` sends SIGTERM and waits
/// (SIGKILL after the timeout); a child still running when released is stopped the same way,
/// so no child outlives the benchmark, also when it fails half-way.
final class BenchChild {
    let name: String
    let process = Process()
    let stdoutPath: String
    let stderrPath: String
    /// Monotonic seconds at the start (``BenchProcesses/now``).
    let startedAt: Double
    /// Epoch seconds at the start, to compare with times the child reports.
    let startedAtEpoch: Double
    /// Monotonic seconds at which the exit was seen, once it was.
    private(set) var exitedAt: Double?

    /// Starts `executable`; with `discardingStdout` its stdout goes to /dev/null (kcat's copy
    /// of a whole topic) and ``stdoutPath`` stays empty.
    init(name: String, executable: URL, arguments: [String], logs: BenchLogDirectory, discardingStdout: Bool = false) throws {
        self.name = name
        stdoutPath = discardingStdout ? "/dev/null" : logs.file(name, "stdout")
        stderrPath = logs.file(name, "stderr")
        guard discardingStdout || FileManager.default.createFile(atPath: stdoutPath, contents: nil),
              FileManager.default.createFile(atPath: stderrPath, contents: nil),
              let output = FileHandle(forWritingAtPath: stdoutPath),
              let errors = FileHandle(forWritingAtPath: stderrPath)
        else { throw BenchmarkFailure("cannot create the log files of \(name) in \(logs.path)") }
        defer {
            try? output.close()
            try? errors.close()
        }
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        startedAt = BenchProcesses.now
        startedAtEpoch = Date().timeIntervalSince1970
        do {
            try process.run()
        } catch {
            throw BenchmarkFailure("cannot start \(name) (\(executable.path)): \(error)")
        }
    }

    var isRunning: Bool { process.isRunning }

    /// Seconds from the start to the exit (or to now while it runs).
    var wallSeconds: Double { (exitedAt ?? BenchProcesses.now) - startedAt }

    var stdout: String { String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self) }

    var stderr: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }

    /// Waits for the exit; false when it still runs after `timeout` seconds.
    @discardableResult
    func waitForExit(timeout: Double) -> Bool {
        let deadline = BenchProcesses.now + timeout
        var nextSample = 0.0
        while process.isRunning {
            let now = BenchProcesses.now
            if now > deadline { return false }
            if now >= nextSample {
                sampleCPU()
                nextSample = now + 0.05
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        if exitedAt == nil { exitedAt = BenchProcesses.now }
        return true
    }

    // MARK: - CPU time

    /// The CPU time of one thread, as /proc showed it at the last sample.
    struct ThreadCPU {
        var name: String
        var seconds: Double
    }

    /// Per thread id, the CPU time seen at the last ``sampleCPU()`` (the waits sample every
    /// 50 ms, so a thread's last 50 ms before the exit may be missing).
    private(set) var threadCPU: [Int: ThreadCPU] = [:]

    /// CPU seconds (user and system) of every thread seen.
    var cpuSeconds: Double { threadCPU.values.map(\.seconds).reduce(0, +) }

    /// Reads the CPU time of the child's threads from /proc.
    func sampleCPU() {
        let pid = process.processIdentifier
        guard process.isRunning, let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return }
        for task in tasks {
            guard let tid = Int(task), let sample = BenchProcesses.cpu(ofStatFile: "/proc/\(pid)/task/\(task)/stat") else { continue }
            threadCPU[tid] = ThreadCPU(name: sample.name, seconds: sample.seconds)
        }
    }

    /// CPU seconds of the whole process now (its exited threads included), while it runs.
    func processCPUSeconds() -> Double? {
        BenchProcesses.cpu(ofStatFile: "/proc/\(process.processIdentifier)/stat")?.seconds
    }

    /// SIGTERM (a clean stop), then waits; SIGKILL when it has not ended after `timeout` seconds.
    func stop(timeout: Double = 30) {
        guard process.isRunning else {
            waitForExit(timeout: 0)
            return
        }
        process.terminate()
        if !waitForExit(timeout: timeout) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            exitedAt = BenchProcesses.now
        }
    }

    /// How it ended, for error messages.
    var exitDescription: String {
        guard !process.isRunning else { return "still running" }
        return process.terminationReason == .uncaughtSignal
            ? "killed by signal \(process.terminationStatus)" : "exit status \(process.terminationStatus)"
    }

    /// Whether it ended with exit status 0.
    var succeeded: Bool {
        !process.isRunning && process.terminationReason == .exit && process.terminationStatus == 0
    }

    /// An error naming the child, how it ended, the end of its stderr and the stderr file.
    func failure(_ what: String) -> BenchmarkFailure {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true).suffix(8)
        let tail = lines.isEmpty ? "" : "\n  " + lines.joined(separator: "\n  ")
        return BenchmarkFailure("\(name): \(what) (\(exitDescription)); its stderr is in \(stderrPath)\(tail)")
    }

    deinit {
        // A benchmark that failed half-way still stops what it started.
        if process.isRunning { stop(timeout: 10) }
    }
}

/// A `revisit broker` child process: librdkafka's mock cluster in a process of its own, as
/// `revisit bench kafka` runs it, so that every client reaches it over loopback.
final class BenchBroker {
    let child: BenchChild
    let bootstrap: String

    /// Starts the broker with `topics` (name and partition count) and waits up to 20 s for its
    /// bootstrap address.
    init(topics: [(name: String, partitions: Int)], logs: BenchLogDirectory) throws {
        let file = logs.file("broker", "bootstrap")
        child = try BenchChild(
            name: "revisit broker", executable: BenchProcesses.revisitBinary,
            arguments: ["broker", "--bootstrap-file", file] + topics.flatMap { ["--topic", "\($0.name):\($0.partitions)"] },
            logs: logs)
        let deadline = BenchProcesses.now + 20
        var address = ""
        while address.isEmpty, BenchProcesses.now < deadline, child.isRunning {
            address = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if address.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard !address.isEmpty else {
            child.stop()
            throw child.failure("did not print its bootstrap address within 20 s")
        }
        bootstrap = address
    }

    func stop() { child.stop() }
}

/// kcat, the reference consumer of the benchmarks.
struct BenchKcat {
    let path: String

    /// kcat from `$PATH`, or `nil` (with a hint printed) when it is not installed.
    init?(_ name: String) {
        guard let path = BenchProcesses.executable(named: name) else {
            print("kcat not found on PATH: install it (apt-get install kcat) for the comparison")
            return nil
        }
        self.path = path
    }

    /// Seconds `kcat -C -b ADDR -t TOPIC -e -o beginning -q` takes to read the whole topic
    /// to /dev/null, as `revisit bench kafka` measures it; with `json`, with `-J` (each message
    /// in a JSON envelope, as `revisit tail` prints it).
    func drainSeconds(bootstrap: String, topic: String, logs: BenchLogDirectory, json: Bool = false) throws -> Double {
        let child = try BenchChild(
            name: "kcat", executable: URL(fileURLWithPath: path),
            arguments: ["-C", "-b", bootstrap, "-t", topic, "-e", "-o", "beginning", "-q"] + (json ? ["-J"] : []), logs: logs,
            discardingStdout: true)
        guard child.waitForExit(timeout: 600) else {
            child.stop()
            throw child.failure("did not finish reading \(topic) within 600 s")
        }
        guard child.succeeded else { throw child.failure("failed reading \(topic)") }
        return child.wallSeconds
    }
}
