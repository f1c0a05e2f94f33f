import Dispatch
import Foundation
import Synchronization
import RevisitCore
import RevisitRuntime

/// `revisit bench core`: throughput and memory of the pure core on generated input.
///
/// Inputs come from a seeded SplitMix64, so every run measures the same work. The traffic
/// model: event time advances by random steps (``eventsPerDay`` sets the density); each
/// event continues a recently active user's visit, or with odds 1 in ``sessionEvents``
/// starts a visit of a user drawn from all ``users``. The operators benchmark gives every
/// user state before timing, so it runs against the full population.
public struct CoreBenchmarks: Sendable {
    /// One benchmark of the core, or all of them.
    public enum Benchmark: String, CaseIterable, Sendable {
        case decode, encode, operators, memory, replay, all
        /// Peak memory of `revisit replay` over users who visit twice (not part of `all`).
        case replayMemory = "replay-memory"
    }

    /// Which benchmark: decode, encode, operators, memory, replay, all, or replay-memory.
    public var benchmark: Benchmark = .all

    /// Events decoded in the decode benchmark.
    public var decodeEvents = 3_000_000

    /// Users in the operators benchmark.
    public var users = 1_000_000

    /// Events in the operators benchmark.
    public var events = 5_000_000

    /// User counts of the memory benchmark, one measurement each.
    public var memoryUsers = [1_000_000, 5_000_000]

    /// Events in the generated replay file.
    public var replayEvents = 1_000_000

    /// Users of the replay-memory benchmark, two visits each.
    public var replayMemoryUsers = 1_000_000

    /// Mean events per visit in generated traffic.
    public var sessionEvents = 8

    /// Threads for the operators benchmark: users split into that many partitions, one processor each.
    public var threads = 1

    /// Event-time density of generated traffic: events per day over all users.
    public var eventsPerDay = 5_000_000

    /// Directory for the replay benchmark's files.
    public var workDirectory = NSTemporaryDirectory() + "revisit-bench"

    /// The allocator, asked to give back freed memory before resident memory is measured.
    public var host: BenchmarkHost

    /// The benchmarks with their default options, those of `revisit bench core`.
    public init(host: BenchmarkHost) {
        self.host = host
    }

    /// Runs the chosen benchmarks and prints a line for each.
    public func run() throws {
        let all = benchmark == .all
        if all || benchmark == .decode { benchDecode() }
        if all || benchmark == .encode { try benchEncode() }
        if all || benchmark == .operators { try benchOperators() }
        if all || benchmark == .memory {
            for n in memoryUsers { try benchMemory(users: n) }
        }
        if all || benchmark == .replay { try benchReplay() }
        if benchmark == .replayMemory { try benchReplayMemory() }
    }

    // MARK: - Decode

    private func benchDecode() {
        var generator = EventLineGenerator(users: 1_000_000, seed: 1, eventsPerVisit: sessionEvents, eventsPerDay: eventsPerDay)
        let distinct = 100_000
        var buffer: [UInt8] = []
        var offsets: [Int] = [0]
        for _ in 0..<distinct {
            buffer.append(contentsOf: generator.nextLine())
            offsets.append(buffer.count)
        }
        let decoder = EventDecoder()
        var valid = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            buffer.withUnsafeBytes { raw in
                var i = 0
                for _ in 0..<decodeEvents {
                    let line = UnsafeRawBufferPointer(rebasing: raw[offsets[i]..<offsets[i + 1]])
                    if case .success = decoder.decode(value: line, key: nil) { valid += 1 }
                    i += 1
                    if i == distinct { i = 0 }
                }
            }
        }
        let seconds = elapsed.seconds
        let meanBytes = Double(buffer.count) / Double(distinct)
        report("decode+validate", "\(decodeEvents) events of \(Int(meanBytes)) bytes avg, \(valid) valid",
               String(format: "%.0f events/s", Double(decodeEvents) / seconds), seconds)
    }

    // MARK: - Encode

    /// JSON encoding of the records the operators emit (profiles, sessions, alerts), as the
    /// pipeline's writer encodes every output.
    private func benchEncode() throws {
        var processor = try PartitionProcessor(rules: RetentionRules(), wallClock: Int64.max / 2)
        var generator = EventLineGenerator(users: 50_000, seed: 4, eventsPerVisit: sessionEvents, eventsPerDay: eventsPerDay)
        for _ in 0..<500_000 { processor.process(event: generator.nextEvent()) }
        processor.finish(at: generator.now)
        let records = processor.takeOutputs()
        var buffer = JSONBuffer()
        var bytes = 0
        let rounds = 10
        let elapsed = ContinuousClock().measure {
            for _ in 0..<rounds {
                for record in records {
                    buffer.removeAll()
                    OutputEncoder.append(record, to: &buffer)
                    bytes += buffer.count
                }
            }
        }
        let seconds = elapsed.seconds
        let encoded = records.count * rounds
        report("encode", "\(encoded) records of \(bytes / max(1, encoded)) bytes avg, \(String(format: "%.0f", Double(bytes) / seconds / 1e6)) MB/s",
               String(format: "%.0f records/s", Double(encoded) / seconds), seconds)
    }

    // MARK: - Operators

    private func benchOperators() throws {
        if threads > 1 { return benchOperatorsParallel() }
        var processor = try PartitionProcessor(rules: RetentionRules(), wallClock: Int64.max / 2)
        var generator = EventLineGenerator(users: users, seed: 2, eventsPerVisit: sessionEvents, eventsPerDay: eventsPerDay)
        // Every user gets state first (untimed), so the timed traffic runs against `users` users.
        let warmUpStep: Int64 = 86_400_000 / Int64(max(1, users))
        for i in 0..<users {
            processor.process(event: ParsedEvent(
                userID: "u\(i)", eventIDHash: UInt64(i), kind: .activity,
                timestamp: generator.now - 86_400_000 + Int64(i) * warmUpStep))
            if i & 0x3FF == 0 { _ = processor.discardOutputs() }
        }
        _ = processor.discardOutputs()
        let chunk = 500_000
        var done = 0
        var outputs = 0
        var seconds = 0.0
        let clock = ContinuousClock()
        while done < events {
            let batch = (0..<min(chunk, events - done)).map { _ in generator.nextEvent() }
            seconds += clock.measure {
                for event in batch { processor.process(event: event) }
                outputs += processor.discardOutputs()
            }.seconds
            done += batch.count
        }
        report("operators", "\(events) events, \(processor.userCount) users, \(outputs) records, ~\(sessionEvents) events/visit, \(eventsPerDay) events/day",
               String(format: "%.0f events/s", Double(events) / seconds), seconds)
        // The end of a replay (every user's final profile) is reported on its own.
        var finals = 0
        let finish = clock.measure {
            processor.finish(at: generator.now)
            finals = processor.discardOutputs()
        }.seconds
        report("end of input", "\(finals) records", String(format: "%.0f profiles/s", Double(finals) / finish), finish)
    }

    /// The operators benchmark with users split into `threads` partitions processed on as
    /// many threads, as the runtime runs one task per input partition. Timing starts once
    /// every thread has warmed up its users.
    private func benchOperatorsParallel() {
        let n = threads
        var generator = EventLineGenerator(users: users, seed: 2, eventsPerVisit: sessionEvents, eventsPerDay: eventsPerDay)
        let warmUpStep: Int64 = 86_400_000 / Int64(max(1, users))
        var warmUps = [[ParsedEvent]](repeating: [], count: n)
        for i in 0..<users {
            warmUps[i % n].append(ParsedEvent(
                userID: "u\(i)", eventIDHash: UInt64(i), kind: .activity,
                timestamp: generator.now - 86_400_000 + Int64(i) * warmUpStep))
        }
        var parts = [[ParsedEvent]](repeating: [], count: n)
        for _ in 0..<events {
            let (user, event) = generator.nextIndexedEvent()
            parts[user % n].append(event)
        }
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let go = DispatchSemaphore(value: 0)
        let records = Mutex(0)
        for p in 0..<n {
            let warmUp = warmUps[p], timed = parts[p]
            ready.enter()
            done.enter()
            Thread {
                var processor = try! PartitionProcessor(rules: RetentionRules(), wallClock: Int64.max / 2)
                for (i, event) in warmUp.enumerated() {
                    processor.process(event: event)
                    if i & 0x3FF == 0 { _ = processor.discardOutputs() }
                }
                _ = processor.discardOutputs()
                ready.leave()
                go.wait()
                var outputs = 0
                for (i, event) in timed.enumerated() {
                    processor.process(event: event)
                    if i & 0xFFFF == 0 { outputs += processor.discardOutputs() }
                }
                outputs += processor.discardOutputs()
                records.withLock { $0 += outputs }
                done.leave()
            }.start()
        }
        ready.wait()
        let start = ContinuousClock.now
        for _ in 0..<n { go.signal() }
        done.wait()
        let seconds = (ContinuousClock.now - start).seconds
        report("operators x\(n)", "\(events) events, \(users) users in \(n) partitions, \(records.withLock { $0 }) records",
               String(format: "%.0f events/s", Double(events) / seconds), seconds)
    }

    // MARK: - Memory

    private func benchMemory(users n: Int) throws {
        // Resident memory with the allocator's reserve returned: live state, not allocator history.
        host.releaseFreedMemory()
        let before = ResidentMemory.bytes()
        ResidentMemory.resetPeak()
        var processor = try PartitionProcessor(rules: RetentionRules(), wallClock: Int64.max / 2)
        // As revisit run and the replays have it: what falls due at once comes in chunks.
        processor.outputChunkLimit = OutputChunks.records
        let start: Int64 = 1_700_000_000_000
        // One event per user, a second apart: sessions close as time moves on, so at the end
        // only the state at rest remains.
        for i in 0..<n {
            let user = "u" + String(i)
            processor.process(event: ParsedEvent(
                userID: user, eventIDHash: UInt64(i), kind: .activity, timestamp: start + Int64(i) * 1000))
            if i & 0x3FF == 0 { _ = processor.discardOutputs() }
        }
        // A day later: every user's session close and day timers fall due at once.
        processor.advanceWatermark(to: start + Int64(n) * 1000 + 86_400_000)
        _ = processor.discardOutputs()
        while processor.hasPausedRelease {
            processor.resumeRelease()
            _ = processor.discardOutputs()
        }
        // Take (not just clear) the outputs so their buffer is not counted as state.
        _ = processor.takeOutputs()
        let peak = ResidentMemory.peakBytes()
        host.releaseFreedMemory()
        let after = ResidentMemory.bytes()
        let perUser = Double(after - before) / Double(n)
        report("state at rest", "\(n) users, \(processor.openSessions) open sessions, RSS +\((after - before) >> 20) MiB, peak RSS \(peak >> 20) MiB (+\((peak - before) >> 20) MiB)",
               String(format: "%.1f bytes/user", perUser), 0)
        withExtendedLifetime(processor) {}
    }

    // MARK: - Replay memory

    /// `revisit replay` (a child process, this build) over ``replayMemoryUsers`` users who
    /// visit twice, three days apart, with `allowed_lateness` at its default: the peak
    /// resident memory of the replay as it is, and with `--as-of` nine days after the last
    /// event, when the end of input makes every user's timers and profile fall due at once;
    /// then the same events through `revisit run` (``benchRunMemory(input:users:)``).
    private func benchReplayMemory() throws {
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let input = workDirectory + "/two-visits.jsonl"
        let users = replayMemoryUsers
        let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
        let day: Int64 = 86_400_000
        // The users' first visits spread over one day, their second ones over the day three days later.
        let spacing = max(1, day / Int64(users))
        var text: [UInt8] = []
        text.reserveCapacity(users * 2 * 90)
        for visit in 0..<2 {
            for user in 0..<users {
                let ts = start + Int64(visit) * 3 * day + Int64(user) * spacing
                text.append(contentsOf: #"{"event_id":"e\#(visit)-\#(user)","user_id":"user-\#(user)","type":"login","ts":\#(ts)}"#.utf8)
                text.append(0x0A)
            }
        }
        _ = FileManager.default.createFile(atPath: input, contents: Data(text))
        let last = start + 3 * day + Int64(users - 1) * spacing
        let binary = BenchProcesses.revisitBinary.path
        for asOf in [nil, last + 9 * day] {
            let out = workDirectory + "/two-visits-out"
            try? FileManager.default.removeItem(atPath: out)
            var arguments = ["replay", "--input", input, "--out", out]
            if let asOf { arguments += ["--as-of", String(asOf)] }
            let started = ContinuousClock.now
            let usage = try ResidentMemory.runMeasuringPeak(binary, arguments)
            let seconds = (ContinuousClock.now - started).seconds
            guard usage.status == 0 else { throw BenchmarkFailure("revisit \(arguments.joined(separator: " ")) exited with \(usage.status)") }
            report(asOf == nil ? "replay peak" : "replay peak +9d", "\(users * 2) events of \(users) users\(asOf == nil ? "" : ", --as-of 9 days after the last event")",
                   "peak RSS \(usage.peakBytes >> 20) MiB", seconds)
            try? FileManager.default.removeItem(atPath: out)
        }
        try benchRunMemory(input: input, users: users)
        try? FileManager.default.removeItem(atPath: input)
    }

    /// The same events through `revisit run`: produced with lz4 to a `revisit broker` child
    /// (64 partitions for every topic of the pipeline), then one `revisit run
    /// --exit-when-caught-up` (a child process, this build), its peak resident memory and
    /// CPU time from its own `wait4`. Every user's second visit comes three days after the
    /// first: the users' session closes and day timers fall due together, and every user
    /// changes between two checkpoints. Children run in this process's environment, so
    /// `MIMALLOC_ALLOW_DECOMMIT=1 revisit bench core replay-memory` measures that setting.
    private func benchRunMemory(input: String, users: Int) throws {
        let binary = BenchProcesses.revisitBinary.path
        let logs = try BenchLogDirectory(label: "run-memory")
        let broker = try BenchBroker(topics: [("events", 64)] + PipelineBenchmark.pipelineTopics("revisit", 64), logs: logs)
        defer { broker.stop() }
        let produced = try ResidentMemory.runMeasuringPeak(
            binary, ["produce", "--topic", "events", "--brokers", broker.bootstrap, "--compression", "lz4"], input: input)
        guard produced.status == 0 else { throw BenchmarkFailure("revisit produce exited with \(produced.status)") }
        let started = ContinuousClock.now
        let usage = try ResidentMemory.runMeasuringPeak(binary, ["run", "--brokers", broker.bootstrap, "--exit-when-caught-up"])
        let seconds = (ContinuousClock.now - started).seconds
        guard usage.status == 0 else { throw BenchmarkFailure("revisit run exited with \(usage.status)") }
        let decommit = ProcessInfo.processInfo.environment["MIMALLOC_ALLOW_DECOMMIT"].map { ", MIMALLOC_ALLOW_DECOMMIT=\($0)" } ?? ""
        report("run peak", "\(users * 2) events of \(users) users, 64 partitions, \(String(format: "%.1f", usage.cpuSeconds)) CPU-seconds\(decommit)",
               "peak RSS \(usage.peakBytes >> 20) MiB", seconds)
    }

    // MARK: - Replay

    private func benchReplay() throws {
        try FileManager.default.createDirectory(atPath: workDirectory, withIntermediateDirectories: true)
        let input = workDirectory + "/events.jsonl"
        var generator = EventLineGenerator(users: max(1, replayEvents / 10), seed: 3, eventsPerVisit: sessionEvents, eventsPerDay: eventsPerDay)
        var text: [UInt8] = []
        for _ in 0..<replayEvents {
            text.append(contentsOf: generator.nextLine())
            text.append(0x0A)
        }
        _ = FileManager.default.createFile(atPath: input, contents: Data(text))
        let replay = JSONLReplay(
            inputPath: input, outputDirectory: workDirectory + "/out", rules: RetentionRules(), partitions: 1)
        let summary = try replay.run()
        report("file replay", "\(summary.linesRead) lines, \(summary.users) users, \(summary.profiles) profiles",
               String(format: "%.0f events/s", summary.eventsPerSecond), summary.elapsedSeconds)
    }

    private func report(_ name: String, _ what: String, _ rate: String, _ seconds: Double) {
        let time = seconds > 0 ? String(format: " in %.3f s", seconds) : ""
        print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(rate)  (\(what)\(time))")
    }
}
