import Foundation
import RevisitCore
import RevisitKafka
import Synchronization

/// `revisit bench pipeline`: the pipeline end to end, `revisit run` processes reading from and
/// writing to the embedded broker, as `revisit bench kafka` measures the Kafka layer.
///
/// Every process is a child: the broker (librdkafka's mock cluster, `revisit broker`), the
/// pipeline members (`revisit run`, the same binary as the benchmark, which must therefore
/// run inside the `revisit` executable) and kcat. Each
/// measurement uses topics of its own (the mock keeps at most 5 MiB per partition), and each
/// section a broker of its own. The children share the machine's cores with each other and
/// with the benchmark, which produces the input and, for latency, reads the outputs.
///
/// - **Throughput**: seeded retention traffic (about ten events per user over one to four
///   sessions on days of the last weeks) in the input, then ``runs`` times in turn: kcat
///   draining the input (the ceiling) and one `revisit run --exit-when-caught-up` on a fresh
///   application id; then two members started together on another. Rates are input messages
///   over the time from the first to the last message processed (from the members'
///   summaries); wall times count from the process start (group join and restore included).
///   The targets are judged on the medians of the runs: the same work takes quite different
///   CPU time from one minute to the next on a shared machine.
/// - **Latency**: one `revisit run` with `allowed_lateness=0s` and `session_gap=2s`, so
///   sessions close during the run, restored from a two-day history (so that visits today
///   raise `streak_milestone` alerts), fed at a steady rate with `ts` = the wall clock at send
///   time, while the benchmark reads the profiles and alerts topics. An output's latency is the
///   wall-clock time the benchmark received it minus its Kafka timestamp, the event-time
///   instant that made it due; with `ts` = the wall clock that instant is when its cause was
///   sent, so the figure is an upper bound of append-to-append latency: it also holds the
///   benchmark producer's send and the benchmark consumer's fetch. The same consumer reads the
///   input too, as the reference of what producing and fetching alone take. The measurement
///   runs with the pipeline's default consumer settings, then with a short
///   `kafka.fetch.wait.max.ms`: the mock cluster answers a fetch that finds nothing only after
///   `fetch.wait.max.ms` (100 ms by default in `revisit run`) even when data arrives meanwhile, where a real
///   broker answers as soon as data arrives.
/// - **Restore**: one event each for a million users (in time order, `allowed_lateness=0s`, so
///   every event is applied) through one catch-up member, then a second member of the same
///   application: its summary's restored users and restore time.
/// - **Backfill**: the throughput traffic read by `revisit run`, `revisit replay --topic` (to
///   files and to prefixed topics), `revisit tail` and `kcat -J`, in rounds (see
///   ``benchBackfill(logs:)``).
///
/// Group joins on the mock take 3 s for a new group and about 9 s when the group's last
/// member has just left (the mock waits for the session timeout less 1 s), which the wall
/// times include and the rates do not.
public struct PipelineBenchmark: Sendable {
    /// A section of the benchmark.
    public enum Section: String, CaseIterable, Sendable {
        case throughput, latency, restore, backfill
    }

    /// Run only this section: throughput, latency, restore or backfill (`nil`: all four).
    public var only: Section?

    /// Throughput and backfill: input events.
    public var events = 1_000_000

    /// Throughput and backfill: distinct users.
    public var users = 100_000

    /// Throughput, latency and backfill: partitions of the input and of every pipeline topic.
    public var partitions = 16

    /// Throughput and backfill: days of event time the traffic spreads over, ending at today's UTC midnight.
    public var days = 45

    /// Throughput: times kcat and one `revisit run` each read the input; backfill: rounds of
    /// every reader (the figures are their medians).
    public var runs = 5

    /// Seed of the generated traffic.
    public var seed: UInt64 = 1

    /// Latency: events per second produced.
    public var latencyRate = 20_000

    /// Latency: seconds of steady production.
    public var latencySeconds = 20.0

    /// Latency: first seconds of production whose outputs are left out (warm-up).
    public var latencyWarmup = 5.0

    /// Latency: distinct users of the live traffic.
    public var latencyUsers = 100_000

    /// Latency: also measure with the pipeline's kafka.fetch.wait.max.ms at this value (0: skip).
    public var tunedFetchWaitMs = 5

    /// Restore: users (one event each).
    public var restoreUsers = 1_000_000

    /// Restore: partitions of the input, outputs and state topic (the state must fit 5 MiB per partition).
    public var restorePartitions = 64

    /// Backfill: directory for the files of `revisit replay --out` (`nil`: the log directory).
    public var backfillOutputDirectory: String?

    /// Seconds a catch-up member may take before the benchmark stops it and fails.
    public var timeout = 900.0

    /// kcat binary.
    public var kcat = "kcat"

    /// Keep the children's logs (stdout, stderr) after a successful run too.
    public var keepLogs = false

    /// `--log-level` of the revisit run children (their stderr goes to the log directory).
    public var memberLogLevel = "info"

    /// Settings for every revisit run child, `NAME=VALUE` each (after the benchmark's own), e.g. `kafka.debug=cgrp`.
    public var memberSettings: [String] = []

    /// Run every revisit run child with `--http 127.0.0.1:0`: metrics and health served (compare with a run without).
    public var memberHTTP = false

    /// The allocator of the process, named in the report (the children are the same executable).
    public var host: BenchmarkHost

    /// The benchmark with its default options, those of `revisit bench pipeline`.
    public init(host: BenchmarkHost) {
        self.host = host
    }

    /// Checks the options before anything starts; the message names the options to change.
    public func validate() throws(BenchmarkFailure) {
        guard events > 0, users > 0, events >= users else { throw BenchmarkFailure("--events and --users must be positive, with at least one event per user") }
        guard partitions > 0, restorePartitions > 0 else { throw BenchmarkFailure("partition counts must be positive") }
        guard days > 0 else { throw BenchmarkFailure("--days must be positive") }
        guard latencyRate > 0, latencySeconds > latencyWarmup, latencyWarmup >= 0, latencyUsers > 0 else {
            throw BenchmarkFailure("--latency-rate and --latency-users must be positive, --latency-seconds above --latency-warmup")
        }
        guard runs > 0 else { throw BenchmarkFailure("--runs must be positive") }
        guard restoreUsers > 0 else { throw BenchmarkFailure("--restore-users must be positive") }
    }

    /// Runs the sections and prints their report, ending with rows for the README's table.
    /// A failure half-way is printed with where the children's logs are kept, then thrown as
    /// ``ReportedFailure``.
    public func run() throws {
        let logs = try BenchLogDirectory(label: "pipeline")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("Pipeline benchmark: `revisit run` end to end through the embedded broker (librdkafka's mock cluster in a `revisit broker` child process)")
        print("\(cores) cores, shared by the broker, the `revisit run` processes and the benchmark itself (it produces the input and reads the latency outputs)")
        print("allocator of every revisit process: \(host.allocator)")
        print("metrics and health of the revisit run children: \(memberHTTP ? "served (--http 127.0.0.1:0)" : "off (no --http)")")
        var rows: [ReadmeRow] = []
        do {
            let all = only == nil
            if all || only == .throughput { rows += try section("Throughput") { try benchThroughput(logs: logs) } }
            if all || only == .latency { rows += try section("Latency") { try benchLatency(logs: logs) } }
            if all || only == .restore { rows += try section("Restore") { try benchRestore(logs: logs) } }
            if all || only == .backfill { rows += try section("Backfill and tail") { try benchBackfill(logs: logs) } }
        } catch {
            print("\nFAILED: \(error)")
            print("the children's logs are kept in \(logs.path)")
            throw ReportedFailure(message: "\(error)", logDirectory: logs.path)
        }
        print("\nFor the README (\(cores) cores shared by the broker, the pipeline and the benchmark):\n")
        print("| benchmark | result | target |")
        print("|---|---|---|")
        for row in rows { print("| \(row.benchmark) | \(row.result) | \(row.target) |") }
        if keepLogs {
            print("\nthe children's logs are in \(logs.path)")
        } else {
            logs.removeAfterSuccess()
        }
    }

    /// Runs one section under its heading, after a line on how busy the machine is while
    /// nothing of the benchmark runs: other work on the cores lowers every figure.
    private func section(_ title: String, _ body: () throws -> [ReadmeRow]) throws -> [ReadmeRow] {
        print("\n== \(title)")
        if let busy = Self.otherCPUBusy() {
            let warning = busy > 0.1 ? " (other work is running: the figures below suffer)" : ""
            print(String(format: "CPU busy before the section, nothing of the benchmark running (1 s sample): %.0f%% of all cores%@", 100 * busy, warning))
        }
        return try body()
    }

    /// The busy share of all cores over one second, from /proc/stat.
    private static func otherCPUBusy() -> Double? {
        func sample() -> (busy: Double, total: Double)? {
            guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
            let values = line.split(separator: " ").dropFirst().compactMap { Double($0) }
            guard values.count >= 5 else { return nil }
            // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
            let total = values.prefix(8).reduce(0, +)
            return (total - values[3] - values[4], total)
        }
        guard let before = sample() else { return nil }
        Thread.sleep(forTimeInterval: 1)
        guard let after = sample(), after.total > before.total else { return nil }
        return (after.busy - before.busy) / (after.total - before.total)
    }

    // MARK: - Latency

    /// The latency section: the measurement as `revisit run` is configured by default, then,
    /// unless `--tuned-fetch-wait-ms 0`, again with the pipeline's consumer waiting at most that
    /// long for an empty fetch (see ``measureLatency(application:extraSettings:logs:)``).
    private func benchLatency(logs: BenchLogDirectory) throws -> [ReadmeRow] {
        print("settings: allowed_lateness=0s and session_gap=2s (so sessions close during the run); \(partitions) partitions; 1 revisit run process")
        print("latency = the benchmark consumer's receive time - the record's Kafka timestamp (the event-time instant that made it due: a session's close, an alert's `at`);")
        print("with ts = the wall clock at send, that instant is when its cause was sent, so these upper-bound append-to-append latency: they also hold the benchmark")
        print("producer's send (linger 0 ms) and the benchmark consumer's fetch (fetch.wait.max.ms=5). Records with instants in the first \(String(format: "%.0f", latencyWarmup)) s (warm-up) or after the last send are left out.")
        print("The line `input itself` is the events topic read by the same consumer: the benchmark's own produce-to-fetch time, without the pipeline.")
        var rows = try measureLatency(application: "latency", extraSettings: [], logs: logs)
        if tunedFetchWaitMs > 0 {
            print("-- again with --set kafka.fetch.wait.max.ms=\(tunedFetchWaitMs) for the pipeline (the mock answers a fetch that finds nothing only after fetch.wait.max.ms, 100 ms by default in revisit run, even when data arrives meanwhile; a real broker answers as soon as data arrives)")
            rows += try measureLatency(
                application: "latency-fetch\(tunedFetchWaitMs)", extraSettings: ["kafka.fetch.wait.max.ms=\(tunedFetchWaitMs)"], logs: logs)
        }
        return rows
    }

    /// One latency measurement on a broker of its own. First a history: every user visited on
    /// each of the two days before today, processed by a catch-up member, so that a visit today
    /// completes a 3-day streak and raises a `streak_milestone` alert at the visit's own
    /// instant. Then a live member restored from that state, fed at `--latency-rate` with
    /// `ts` = the wall clock, while this process reads its profiles and alerts.
    private func measureLatency(application: String, extraSettings: [String], logs: BenchLogDirectory) throws -> [ReadmeRow] {
        let input = "\(application).events"
        let broker = try BenchBroker(topics: [(input, partitions)] + Self.pipelineTopics(application, partitions), logs: logs)
        defer { broker.stop() }
        let settings = ["allowed_lateness=0s", "session_gap=2s"] + extraSettings
        let variant = extraSettings.isEmpty ? "default consumer settings" : extraSettings.joined(separator: ", ")

        let today = Self.todayMidnight()
        let history = PipelineTraffic.dailyHistory(users: latencyUsers, days: 2, today: today, seed: seed)
        let sentHistory = try BenchEventProducer.send(history, topic: input, bootstrap: broker.bootstrap)
        let catchUp = try member("revisit run (history)", application: application, input: input, bootstrap: broker.bootstrap,
                                 settings: settings, flags: ["--exit-when-caught-up"], logs: logs)
        let historySummary = try finish(catchUp)
        try expectAll(historySummary.messages, of: sentHistory.messages, "revisit run (history)")
        print("history: \(grouped(sentHistory.messages)) events (one per user on each of the 2 days before today) through a catch-up run first, so that visits today complete 3-day streaks (streak_milestone alerts)")

        // The live member, restored from the history's state.
        let ready = logs.file("ready", "txt")
        let live = try member("revisit run (live)", application: application, input: input, bootstrap: broker.bootstrap,
                              settings: settings, flags: ["--ready-file", ready], logs: logs)
        defer { live.stop() }
        let readyBy = BenchProcesses.now + 120
        while !FileManager.default.fileExists(atPath: ready) {
            guard live.isRunning else { throw live.failure("stopped before it was ready") }
            guard BenchProcesses.now < readyBy else { throw live.failure("was not ready (restored and processing) within 120 s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let readySeconds = live.wallSeconds

        // The benchmark's consumer, from the current ends: the outputs, and the input itself
        // as the reference of what producing and fetching alone take.
        let watched = ["\(application).profiles", "\(application).alerts", input]
        let labels = ["profiles (session closes)", "alerts (streak_milestone)", "input itself (no pipeline)"]
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            kafka: KafkaConfiguration(
                brokers: broker.bootstrap, clientID: "revisit-bench-latency",
                properties: ["fetch.wait.max.ms": "5", "fetch.error.backoff.ms": "5"]),
            groupID: nil))
        try consumer.assign(watched.flatMap { topic in
            (0..<partitions).map { TopicPartitionOffset(TopicPartition(topic, Int32($0)), offset: TopicPartitionOffset.end) }
        })
        // A few polls resolve the end offsets before anything new is produced.
        var batch = ConsumerBatch()
        for _ in 0..<10 { try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 50) }

        let producer = LiveProducer(
            bootstrap: broker.bootstrap, topic: input, rate: latencyRate, seconds: latencySeconds, users: latencyUsers, seed: seed)
        producer.start()
        var samples: [[LatencySample]] = watched.map { _ in [] }
        // After the last send, outputs it caused still arrive for a moment.
        let drainMilliseconds = 3_000.0
        while true {
            try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 20)
            let received = Date().timeIntervalSince1970 * 1000
            for message in batch.messages {
                guard let timestamp = message.timestamp, let index = watched.firstIndex(of: message.topic) else { continue }
                samples[index].append(LatencySample(instant: timestamp, milliseconds: received - Double(timestamp)))
            }
            if let done = producer.result, received > Double(done.lastSendMs) + drainMilliseconds { break }
            guard live.isRunning else { throw live.failure("stopped during the latency run") }
        }
        let produced = producer.result!
        if let error = produced.error { throw BenchmarkFailure("latency producer: \(error)") }
        live.stop()
        let liveSummary = try RunSummaryLine.parse(live)

        let sendSeconds = Double(produced.lastSendMs - produced.firstSendMs) / 1000
        print("live (\(variant)): ready \(String(format: "%.1f", readySeconds)) s after start; \(grouped(produced.sent)) events over \(grouped(latencyUsers)) users at \(rate(Double(produced.sent) / sendSeconds)) events/s for \(String(format: "%.1f", sendSeconds)) s; the member processed \(grouped(liveSummary.messages)) and wrote \(grouped(liveSummary.outputsWritten)) outputs")
        try expectAll(liveSummary.messages, of: produced.sent, "revisit run (live)")
        if keepLogs {
            let path = logs.file("latency-samples", "csv")
            var csv = "topic,instant_ms,latency_ms\n"
            for (index, topic) in watched.enumerated() {
                for sample in samples[index] { csv += "\(topic),\(sample.instant),\(String(format: "%.1f", sample.milliseconds))\n" }
            }
            try csv.write(toFile: path, atomically: false, encoding: .utf8)
            print("every sample: \(path)")
        }
        let from = produced.firstSendMs + Int64(latencyWarmup * 1000)
        let to = produced.lastSendMs
        var rows: [ReadmeRow] = []
        for (index, label) in labels.enumerated() {
            let all = samples[index]
            let kept = all.filter { $0.instant >= from && $0.instant <= to }.map(\.milliseconds).sorted()
            guard !kept.isEmpty else {
                print("  \(label): no record with an instant in the measured window (\(grouped(all.count)) outside it)")
                continue
            }
            let line = String(format: "p50 %.1f ms, p99 %.1f ms, max %.1f ms", percentile(kept, 0.50), percentile(kept, 0.99), kept.last!)
            print("  \(label.padding(toLength: 28, withPad: " ", startingAt: 0)) \(grouped(kept.count)) records: \(line) (\(grouped(all.count - kept.count)) outside the window)")
            rows.append(ReadmeRow(
                benchmark: "latency, \(label), \(grouped(latencyRate)) events/s, \(variant)",
                result: "\(line) (\(grouped(kept.count)) records)", target: ""))
        }
        return rows
    }

    // MARK: - Restore

    private func benchRestore(logs: BenchLogDirectory) throws -> [ReadmeRow] {
        let application = "restore"
        let input = "restore.events"
        let broker = try BenchBroker(
            topics: [(input, restorePartitions)] + Self.pipelineTopics(application, restorePartitions), logs: logs)
        defer { broker.stop() }
        let end = Self.todayMidnight()
        let traffic = PipelineTraffic.onePerUser(users: restoreUsers, days: 30, end: end, seed: seed)
        let sent = try BenchEventProducer.send(traffic, topic: input, bootstrap: broker.bootstrap)
        print("input: \(grouped(sent.messages)) events of \(grouped(restoreUsers)) distinct users (one each, over the 30 days before \(Self.date(end))), \(restorePartitions) partitions")

        // The input is in time order per partition: with no allowed lateness every event is
        // applied by the end, none waits in a reorder buffer, so each user is in the state.
        let settings = ["allowed_lateness=0s"]
        print("settings: allowed_lateness=0s (the input is in time order; with the default 10m the events of the last 10 minutes stay in the reorder buffer and are re-read, not restored)")
        let first = try member("revisit run (build state)", application: application, input: input, bootstrap: broker.bootstrap,
                               settings: settings, flags: ["--exit-when-caught-up"], logs: logs)
        let brokerBefore = broker.child.processCPUSeconds()
        let built = try finish(first)
        try expectAll(built.messages, of: sent.messages, "revisit run (build state)")
        let builtSeconds = try built.processingSeconds(of: first)
        let state = try Self.topicCounts(["\(application).state"], partitions: restorePartitions, bootstrap: broker.bootstrap)[0]
        print("first run: \(grouped(built.messages)) events in \(seconds(builtSeconds)) (\(rate(Double(built.messages) / builtSeconds)) events/s), \(grouped(built.outputsWritten)) outputs, \(grouped(built.checkpoints ?? 0)) checkpoints, \(built.snapshots ?? 0) snapshots; state topic: \(grouped(state.records)) records")
        print("  " + cpuLine([first], broker: broker, brokerBefore: brokerBefore))
        if state.trimmedPartitions > 0 {
            print("WARNING: the mock dropped the start of \(state.trimmedPartitions) state partitions (5 MiB per partition): raise --restore-partitions")
        }

        let second = try member("revisit run (restore)", application: application, input: input, bootstrap: broker.bootstrap,
                                settings: settings, flags: ["--exit-when-caught-up"], logs: logs)
        let restored = try finish(second)
        let usersPerSecond = Double(restored.restoredUsers) / restored.restoreSeconds
        let complete = restored.restoredUsers == restoreUsers
        print("second run, same application id: restored \(grouped(restored.restoredUsers)) users in \(String(format: "%.3f", restored.restoreSeconds)) s: \(rate(usersPerSecond)) users/s; re-read \(grouped(restored.rebuffered ?? 0)) buffered events, processed \(grouped(restored.messages)); \(seconds(second.wallSeconds)) wall from process start to exit (group join included)")
        print("check: restored_users == \(grouped(restoreUsers)): \(verdict(complete))")
        return [ReadmeRow(
            benchmark: "restore, \(grouped(restoreUsers)) users (\(restorePartitions) partitions)",
            result: String(format: "%.2f s, %@ users/s (%@ users restored)", restored.restoreSeconds, rate(usersPerSecond), grouped(restored.restoredUsers)),
            target: "restored_users == \(grouped(restoreUsers)) \(verdict(complete))")]
    }

    // MARK: - Pipeline members

    /// Every topic of application `application` but its input, named `<application>.<output>`
    /// and `<application>.state`, as `--topic` arguments of the broker take them.
    static func pipelineTopics(_ application: String, _ partitions: Int) -> [(name: String, partitions: Int)] {
        ["profiles", "sessions", "alerts", "metrics", "dlq", "state"].map { ("\(application).\($0)", partitions) }
    }

    /// Starts `revisit run` for `application` on `input`, writing to `<application>.*`.
    func member(
        _ name: String, application: String, input: String, bootstrap: String, settings: [String] = [], flags: [String],
        logs: BenchLogDirectory
    ) throws -> BenchChild {
        var arguments = ["run", "--brokers", bootstrap, "--log-level", memberLogLevel,
                         "--set", "application_id=\(application)", "--set", "topics.input=\(input)"]
        for output in ["profiles", "sessions", "alerts", "metrics", "dlq"] {
            arguments += ["--set", "topics.\(output)=\(application).\(output)"]
        }
        for setting in settings + memberSettings { arguments += ["--set", setting] }
        if memberHTTP { arguments += ["--http", "127.0.0.1:0"] }
        return try BenchChild(name: name, executable: BenchProcesses.revisitBinary, arguments: arguments + flags, logs: logs)
    }

    /// Waits for a catch-up member to exit and returns its summary.
    func finish(_ child: BenchChild) throws -> RunSummaryLine {
        try finish([child])[0]
    }

    /// Waits for catch-up members running together to exit, sampling their CPU time, and
    /// returns their summaries.
    func finish(_ children: [BenchChild]) throws -> [RunSummaryLine] {
        let deadline = BenchProcesses.now + timeout
        var nextSample = 0.0
        while true {
            for child in children where !child.isRunning { child.waitForExit(timeout: 0) }
            let running = children.filter(\.isRunning)
            if running.isEmpty { break }
            let now = BenchProcesses.now
            if now > deadline {
                for child in running { child.stop() }
                throw running[0].failure("did not catch up within \(Int(timeout)) s (--timeout)")
            }
            if now >= nextSample {
                for child in running { child.sampleCPU() }
                nextSample = now + 0.05
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        for child in children where !child.succeeded { throw child.failure("failed") }
        return try children.map(RunSummaryLine.parse)
    }

    /// Where the CPU went: each member's total, its busiest thread (the pipeline loop) and
    /// librdkafka's threads, and the broker's CPU since `brokerBefore`.
    func cpuLine(_ members: [BenchChild], broker: BenchBroker, brokerBefore: Double?) -> String {
        var parts = members.map { member -> String in
            let busiest = member.threadCPU.values.max { $0.seconds < $1.seconds }
            let kafka = member.threadCPU.values.filter { $0.name.hasPrefix("rdk:") }.map(\.seconds).reduce(0, +)
            return String(format: "%@ %.1f s (busiest thread %.1f s, librdkafka threads %.1f s)",
                          member.name, member.cpuSeconds, busiest?.seconds ?? 0, kafka)
        }
        if let before = brokerBefore, let after = broker.child.processCPUSeconds() {
            parts.append(String(format: "broker %.1f s", after - before))
        }
        return "CPU: " + parts.joined(separator: ", ")
    }

    func expectAll(_ processed: Int, of sent: Int, _ who: String) throws {
        guard processed != sent else { return }
        print("WARNING: \(who) processed \(grouped(processed)) input messages, not the \(grouped(sent)) sent")
    }

    /// `profiles 1,234 + sessions ...`: the records in each output topic of `application`.
    func outputBreakdown(_ application: String, partitions: Int, bootstrap: String) throws -> String {
        // The state topic too: its records are produced alongside the outputs.
        let names = ["profiles", "sessions", "alerts", "metrics", "dlq", "state"]
        let counts = try Self.topicCounts(names.map { "\(application).\($0)" }, partitions: partitions, bootstrap: bootstrap)
        return zip(names, counts).map { name, count in
            // Counts stay right when the mock drops old records: they are high watermarks.
            "\(name == "state" ? "and state records" : name) \(grouped(count.records))" + (count.trimmedPartitions > 0 ? " (the mock dropped the oldest of \(count.trimmedPartitions) partitions)" : "")
        }.joined(separator: ", ")
    }

    /// Records in each topic (the sum of its partitions' high watermarks; the topics are
    /// fresh), and how many partitions the mock trimmed (low watermark above 0).
    private static func topicCounts(_ topics: [String], partitions: Int, bootstrap: String) throws -> [(records: Int, trimmedPartitions: Int)] {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            kafka: KafkaConfiguration(brokers: bootstrap, clientID: "revisit-bench-watermarks"), groupID: nil))
        return try topics.map { topic in
            var records = 0
            var trimmed = 0
            for p in 0..<partitions {
                let (low, high) = try consumer.watermarks(of: TopicPartition(topic, Int32(p)))
                records += Int(high)
                if low > 0 { trimmed += 1 }
            }
            return (records, trimmed)
        }
    }

    // MARK: - Time and formatting

    /// The last UTC midnight, in epoch milliseconds: the generated traffic ends there.
    static func todayMidnight() -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return now - now % 86_400_000
    }

    static func date(_ epochMilliseconds: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(epochMilliseconds) / 1000))
    }

    func verdict(_ pass: Bool) -> String { pass ? "PASS" : "FAIL" }

    func seconds(_ value: Double) -> String { String(format: "%7.3f s", value) }

    func rate(_ value: Double) -> String { grouped(Int(value.rounded())) }

    func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return value < 0 ? "-" + result : result
    }

    /// The nearest-rank percentile of sorted values.
    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

/// One output record seen by the latency consumer.
private struct LatencySample {
    /// Its Kafka timestamp: the event-time instant it describes.
    var instant: Int64
    /// Receive time minus `instant`.
    var milliseconds: Double
}
