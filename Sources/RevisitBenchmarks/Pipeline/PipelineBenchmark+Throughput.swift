import Foundation
import RevisitKafka

// MARK: - Throughput

extension PipelineBenchmark {
    /// One repetition of the throughput section: kcat's drain, then one member.
    private struct SingleRun {
        var kcatRate: Double?
        var rate: Double
        var seconds: Double
        var wallSeconds: Double
    }

    func benchThroughput(logs: BenchLogDirectory) throws -> [ReadmeRow] {
        let input = "events"
        let singles = (1...runs).map { "bench1-\($0)" }
        let two = "bench2"
        let broker = try BenchBroker(
            topics: [(input, partitions)] + (singles + [two]).flatMap { Self.pipelineTopics($0, partitions) }, logs: logs)
        defer { broker.stop() }
        let end = Self.todayMidnight()
        let traffic = PipelineTraffic.retention(count: events, users: users, days: days, end: end, seed: seed)
        let sent = try BenchEventProducer.send(traffic, topic: input, bootstrap: broker.bootstrap)
        print("input: \(grouped(sent.messages)) events of \(grouped(users)) users (~\(events / users) each over 1-4 sessions on days of the \(days) days before \(Self.date(end))), \(partitions) partitions, lz4, ~\(sent.bytes / sent.messages) bytes per event, keyed by user id; produced in \(seconds(sent.seconds)) (KafkaProducer)")

        var results: [SingleRun] = []
        for (index, application) in singles.enumerated() {
            print("-- run \(index + 1) of \(runs)")
            results.append(try singleRun(application: application, input: input, sent: sent.messages, broker: broker, logs: logs))
        }
        let pair = try pairRun(application: two, input: input, sent: sent.messages, broker: broker, logs: logs)

        let singleRate = median(results.map(\.rate))
        let range = "\(rate(results.map(\.rate).min()!))-\(rate(results.map(\.rate).max()!))"
        let shares = results.compactMap { run in run.kcatRate.map { run.rate / $0 } }
        let kcatRate = results.compactMap(\.kcatRate).isEmpty ? nil : median(results.compactMap(\.kcatRate))
        let target = 300_000.0
        print("\nmedians of \(runs) runs: 1 process \(rate(singleRate)) events/s (\(range)); kcat \(kcatRate.map { rate($0) } ?? "-") events/s")
        print("target: 1 process >= \(rate(target)) events/s: \(rate(singleRate)) \(verdict(singleRate >= target))")
        var shareText = ""
        if !shares.isEmpty {
            let share = median(shares)
            let perRun = shares.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: ", ")
            print(String(format: "target: 1 process >= 50%% of kcat's drain rate in the same run: median %.0f%% (%@) %@", 100 * share, perRun, verdict(share >= 0.5)))
            shareText = String(format: ", %.0f%% of kcat (median of the runs' shares: %@)", 100 * share, perRun)
        }
        if let kcatRate {
            print(String(format: "2 processes: %.0f%% of kcat's median drain rate, %.2fx one process", 100 * pair.rate / kcatRate, pair.rate / singleRate))
        }
        var rows = [ReadmeRow]()
        if let kcatRate {
            rows.append(ReadmeRow(
                benchmark: "kcat drain of the input (\(grouped(events)) events, \(partitions) partitions), median of \(runs)",
                result: "\(rate(kcatRate)) events/s (\(rate(results.compactMap(\.kcatRate).min()!))-\(rate(results.compactMap(\.kcatRate).max()!)))",
                target: "ceiling"))
        }
        rows.append(ReadmeRow(
            benchmark: "`revisit run`, 1 process, \(grouped(events)) events of \(grouped(users)) users, median of \(runs)",
            result: "\(rate(singleRate)) events/s (\(range))\(shareText)",
            target: ">= 300,000 \(verdict(singleRate >= target)); >= 50% of kcat \(shares.isEmpty ? "(no kcat)" : verdict(median(shares) >= 0.5))"))
        rows.append(ReadmeRow(
            benchmark: "`revisit run`, 2 processes, same application id",
            result: "\(rate(pair.rate)) events/s (\(String(format: "%.2f", pair.seconds)) s; \(String(format: "%.2f", pair.wallSeconds)) s wall)",
            target: ""))
        return rows
    }

    /// kcat reading the whole input, then one member on a fresh application id.
    private func singleRun(application: String, input: String, sent: Int, broker: BenchBroker, logs: BenchLogDirectory) throws -> SingleRun {
        var kcatRate: Double?
        if let kcat = BenchKcat(kcat) {
            let drain = try kcat.drainSeconds(bootstrap: broker.bootstrap, topic: input, logs: logs)
            kcatRate = Double(sent) / drain
            print("kcat -C -e -o beginning -q     \(seconds(drain)) \(rate(kcatRate!)) events/s (the ceiling)")
        }
        let brokerBefore = broker.child.processCPUSeconds()
        let single = try member("revisit run 1/1", application: application, input: input, bootstrap: broker.bootstrap,
                                flags: ["--exit-when-caught-up"], logs: logs)
        let solo = try finish(single)
        let singleSeconds = try solo.processingSeconds(of: single)
        let singleRate = Double(solo.messages) / singleSeconds
        print("revisit run, 1 process          \(seconds(singleSeconds)) \(rate(singleRate)) events/s (first to last message; \(seconds(single.wallSeconds)) wall from process start: \(rate(Double(solo.messages) / single.wallSeconds)) events/s)")
        print(String(format: "  first message %.1f s after the start (group join, restore), last %.1f s before the exit (last checkpoint, leaving the group); %.2f s of the interval waiting for input",
                     (solo.firstMessageAt ?? 0) - single.startedAtEpoch, single.startedAtEpoch + single.wallSeconds - (solo.lastMessageAt ?? 0),
                     solo.inputWaitSeconds ?? 0))
        print("  \(grouped(solo.messages)) messages, \(grouped(solo.outputsWritten)) outputs written (\(try outputBreakdown(application, partitions: partitions, bootstrap: broker.bootstrap))), \(grouped(solo.checkpoints ?? 0)) checkpoints, \(solo.backpressurePauses ?? 0) backpressure pauses")
        print("  " + cpuLine([single], broker: broker, brokerBefore: brokerBefore))
        try expectAll(solo.messages, of: sent, "revisit run 1/1")
        return SingleRun(kcatRate: kcatRate, rate: singleRate, seconds: singleSeconds, wallSeconds: single.wallSeconds)
    }

    /// Two members started together on a fresh application id.
    private func pairRun(application: String, input: String, sent: Int, broker: BenchBroker, logs: BenchLogDirectory) throws -> SingleRun {
        print("-- 2 processes")
        let brokerBefore = broker.child.processCPUSeconds()
        let pair = try (1...2).map { index in
            try member("revisit run \(index)/2", application: application, input: input, bootstrap: broker.bootstrap,
                       flags: ["--exit-when-caught-up"], logs: logs)
        }
        let summaries = try finish(pair)
        let firsts = try zip(pair, summaries).map { child, summary in
            guard let first = summary.firstMessageAt else { throw child.failure("its summary has no first_message_at: it processed nothing") }
            return first
        }
        let lasts = summaries.compactMap(\.lastMessageAt)
        let pairMessages = summaries.map(\.messages).reduce(0, +)
        let pairSeconds = lasts.max()! - firsts.min()!
        let pairRate = Double(pairMessages) / pairSeconds
        let pairWall = pair.map(\.wallSeconds).max()!
        print("revisit run, 2 processes        \(seconds(pairSeconds)) \(rate(pairRate)) events/s (first to last message over both; \(seconds(pairWall)) wall from start: \(rate(Double(pairMessages) / pairWall)) events/s)")
        print("  messages \(summaries.map { grouped($0.messages) }.joined(separator: " + ")), partitions held \(summaries.map { "\($0.partitionsAssigned ?? 0)" }.joined(separator: " + ")) (released \(summaries.map { "\($0.partitionsReleased ?? 0)" }.joined(separator: " + "))), outputs written \(grouped(summaries.map(\.outputsWritten).reduce(0, +))), already written \(summaries.map { $0.outputsAlreadyWritten ?? 0 }.reduce(0, +))")
        print("  " + cpuLine(pair, broker: broker, brokerBefore: brokerBefore))
        let timeline = zip(pair, summaries).map { child, summary in
            String(format: "%@ processed from %.1f s to %.1f s after its start and exited at %.1f s", child.name,
                   (summary.firstMessageAt ?? 0) - child.startedAtEpoch, (summary.lastMessageAt ?? 0) - child.startedAtEpoch,
                   child.wallSeconds)
        }
        print("  " + timeline.joined(separator: "; "))
        let starts = zip(pair, firsts).map { $1 - $0.startedAtEpoch }
        if starts.max()! - starts.min()! > 2 || summaries.contains(where: { ($0.partitionsReleased ?? 0) > 0 }) {
            print(String(format: "  NOTE: one process began %.1f s after the other (partitions held %@, released %@): it got its partitions only in a later rebalance, and the interval includes that wait; see the stderr of both (--keep-logs)",
                         starts.max()! - starts.min()!,
                         summaries.map { "\($0.partitionsAssigned ?? 0)" }.joined(separator: " + "),
                         summaries.map { "\($0.partitionsReleased ?? 0)" }.joined(separator: " + ")))
        }
        try expectAll(pairMessages, of: sent, "the two revisit run processes")
        return SingleRun(kcatRate: nil, rate: pairRate, seconds: pairSeconds, wallSeconds: pairWall)
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
