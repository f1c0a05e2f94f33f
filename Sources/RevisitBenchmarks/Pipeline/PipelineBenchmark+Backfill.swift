import Foundation
import RevisitCore

// MARK: - Backfill and tail

extension PipelineBenchmark {
    /// One round of the backfill section: every reader of the same input, one after the other.
    private struct BackfillRound {
        var kcatJSONRate: Double?
        var tailRate: Double
        var runRate: Double
        var replayFilesRate: Double
        var replayTopicsRate: Double
    }

    /// The readers of one topic side by side, on one broker and one input (the throughput
    /// section's traffic): `revisit run` catching up (first to last message), `revisit replay
    /// --topic` into files and into prefixed topics (its whole elapsed time, from the start of
    /// the replay to the last output written or delivered), `revisit tail` and `kcat -J` (wall
    /// time from the process start, stdout to /dev/null). `--runs` rounds, each running all of
    /// them in turn, so that a slower minute of the shared machine falls on all alike; the
    /// figures are medians.
    func benchBackfill(logs: BenchLogDirectory) throws -> [ReadmeRow] {
        let input = "events"
        let applications = (1...runs).map { "catchup\($0)" }
        let prefixes = (1...runs).map { "backfill\($0)." }
        let outputNames = TopicRole.outputs.map(\.rawValue)
        let broker = try BenchBroker(
            topics: [(input, partitions)] + applications.flatMap { Self.pipelineTopics($0, partitions) }
                + prefixes.flatMap { prefix in outputNames.map { ("\(prefix)revisit.\($0)", partitions) } },
            logs: logs)
        defer { broker.stop() }
        let end = Self.todayMidnight()
        let traffic = PipelineTraffic.retention(count: events, users: users, days: days, end: end, seed: seed)
        let sent = try BenchEventProducer.send(traffic, topic: input, bootstrap: broker.bootstrap)
        print("input: \(grouped(sent.messages)) events of \(grouped(users)) users over the \(days) days before \(Self.date(end)), \(partitions) partitions, lz4, ~\(sent.bytes / sent.messages) bytes per event (the throughput section's)")
        let kcat = BenchKcat(kcat)
        let outputDirectory = backfillOutputDirectory ?? logs.path
        print("replay --out writes into \(outputDirectory) (removed after each run)")
        try checkTail(input: input, sent: sent.messages, broker: broker, logs: logs)

        var rounds: [BackfillRound] = []
        for round in 1...runs {
            print("-- round \(round) of \(runs)")
            var kcatJSONRate: Double?
            if let kcat {
                let seconds = try kcat.drainSeconds(bootstrap: broker.bootstrap, topic: input, logs: logs, json: true)
                kcatJSONRate = Double(sent.messages) / seconds
                print(label("kcat -C -J -e -o beginning -q") + "\(self.seconds(seconds)) \(rate(kcatJSONRate!)) messages/s")
            }
            let tail = try BenchChild(
                name: "revisit tail", executable: BenchProcesses.revisitBinary,
                arguments: ["tail", "--brokers", broker.bootstrap, "--topic", input, "--from-beginning", "--until-end"],
                logs: logs, discardingStdout: true)
            try waitForSuccess(tail, "tail")
            let tailRate = Double(sent.messages) / tail.wallSeconds
            print(label("revisit tail --until-end") + "\(seconds(tail.wallSeconds)) \(rate(tailRate)) messages/s (CPU \(String(format: "%.1f", tail.cpuSeconds)) s)"
                  + (kcatJSONRate.map { String(format: ", %.2fx kcat -J", tailRate / $0) } ?? ""))

            let brokerBefore = broker.child.processCPUSeconds() ?? 0
            let member = try member("revisit run (catch-up)", application: applications[round - 1], input: input,
                                    bootstrap: broker.bootstrap, flags: ["--exit-when-caught-up"], logs: logs)
            let summary = try finish(member)
            let brokerSeconds = (broker.child.processCPUSeconds() ?? 0) - brokerBefore
            try expectAll(summary.messages, of: sent.messages, "revisit run")
            let runSeconds = try summary.processingSeconds(of: member)
            let runRate = Double(summary.messages) / runSeconds
            print(label("revisit run --exit-when-caught-up") + "\(seconds(runSeconds)) \(rate(runRate)) events/s (first to last message; CPU \(String(format: "%.1f", member.cpuSeconds)) s, broker \(String(format: "%.1f", brokerSeconds)) s)")

            let directory = outputDirectory + "/replay-\(getpid())-\(round)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let files = try replay(input: input, destination: ["--out", directory], broker: broker, logs: logs)
            try expectAll(files.events, of: sent.messages, "revisit replay --out")
            print(label("revisit replay --topic --out") + "\(seconds(files.seconds)) \(rate(files.rate)) events/s (start to last output written; CPU \(String(format: "%.1f", files.cpuSeconds)) s, broker \(String(format: "%.1f", files.brokerSeconds)) s), \(String(format: "%.2fx", files.rate / runRate)) revisit run")
            try? FileManager.default.removeItem(atPath: directory)
            let topics = try replay(input: input, destination: ["--output-prefix", prefixes[round - 1]], broker: broker, logs: logs)
            try expectAll(topics.events, of: sent.messages, "revisit replay --output-prefix")
            print(label("revisit replay --topic --output-prefix") + "\(seconds(topics.seconds)) \(rate(topics.rate)) events/s (start to last output delivered; CPU \(String(format: "%.1f", topics.cpuSeconds)) s, broker \(String(format: "%.1f", topics.brokerSeconds)) s), \(String(format: "%.2fx", topics.rate / runRate)) revisit run")
            rounds.append(BackfillRound(
                kcatJSONRate: kcatJSONRate, tailRate: tailRate, runRate: runRate, replayFilesRate: files.rate,
                replayTopicsRate: topics.rate))
        }

        func spread(_ values: [Double]) -> String { "\(rate(values.min()!))-\(rate(values.max()!))" }
        let runRate = median(rounds.map(\.runRate))
        let filesRate = median(rounds.map(\.replayFilesRate))
        let topicsRate = median(rounds.map(\.replayTopicsRate))
        let filesShares = rounds.map { $0.replayFilesRate / $0.runRate }
        let topicsShares = rounds.map { $0.replayTopicsRate / $0.runRate }
        func shares(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: ", ") }
        print("\nmedians of \(runs) rounds: revisit run \(rate(runRate)) events/s; replay --out \(rate(filesRate)); replay --output-prefix \(rate(topicsRate))")
        print(String(format: "target: replay --topic >= revisit run: --out %.2fx (per round %@) %@; --output-prefix %.2fx (per round %@) %@",
                     median(filesShares), shares(filesShares), verdict(median(filesShares) >= 1),
                     median(topicsShares), shares(topicsShares), verdict(median(topicsShares) >= 1)))
        var rows = [
            ReadmeRow(
                benchmark: "`revisit run`, 1 process, catching up on \(grouped(events)) events of \(grouped(users)) users (first to last message), median of \(runs)",
                result: "\(rate(runRate)) events/s (\(spread(rounds.map(\.runRate))))", target: "reference"),
            ReadmeRow(
                benchmark: "`revisit replay --topic --out DIR`, same topic (start of the replay to the last output written), median of \(runs)",
                result: "\(rate(filesRate)) events/s (\(spread(rounds.map(\.replayFilesRate)))); \(String(format: "%.2fx", median(filesShares))) `revisit run` (\(shares(filesShares)))",
                target: ">= 1x `revisit run` \(verdict(median(filesShares) >= 1))"),
            ReadmeRow(
                benchmark: "`revisit replay --topic --output-prefix P`, same topic (start to the last output delivered), median of \(runs)",
                result: "\(rate(topicsRate)) events/s (\(spread(rounds.map(\.replayTopicsRate)))); \(String(format: "%.2fx", median(topicsShares))) `revisit run` (\(shares(topicsShares)))",
                target: ">= 1x `revisit run` \(verdict(median(topicsShares) >= 1))"),
        ]
        let tailRate = median(rounds.map(\.tailRate))
        let tailShares = rounds.compactMap { round in round.kcatJSONRate.map { round.tailRate / $0 } }
        if !tailShares.isEmpty {
            let kcatRate = median(rounds.compactMap(\.kcatJSONRate))
            print(String(format: "target: revisit tail >= 0.8x kcat -J: %.2fx (per round %@) %@", median(tailShares), shares(tailShares),
                         verdict(median(tailShares) >= 0.8)))
            rows.append(ReadmeRow(
                benchmark: "`kcat -C -J -e -o beginning -q`, same topic, median of \(runs)",
                result: "\(rate(kcatRate)) messages/s (\(spread(rounds.compactMap(\.kcatJSONRate))))", target: "reference"))
        }
        rows.append(ReadmeRow(
            benchmark: "`revisit tail --from-beginning --until-end`, same topic, median of \(runs)",
            result: "\(rate(tailRate)) messages/s (\(spread(rounds.map(\.tailRate))))"
                + (tailShares.isEmpty ? "" : "; \(String(format: "%.2fx", median(tailShares))) kcat -J (\(shares(tailShares)))"),
            target: tailShares.isEmpty ? ">= 0.8x kcat -J (no kcat)" : ">= 0.8x kcat -J \(verdict(median(tailShares) >= 0.8))"))
        return rows
    }

    /// What one `revisit replay --topic` child reported.
    private struct ReplayRun {
        var events: Int
        var seconds: Double
        var cpuSeconds: Double
        /// The broker's CPU time while it ran.
        var brokerSeconds: Double
        var rate: Double { Double(events) / seconds }
    }

    /// Runs `revisit replay --topic input --from earliest` with `destination` and reads its summary.
    private func replay(input: String, destination: [String], broker: BenchBroker, logs: BenchLogDirectory) throws -> ReplayRun {
        let child = try BenchChild(
            name: "revisit replay", executable: BenchProcesses.revisitBinary,
            arguments: ["replay", "--brokers", broker.bootstrap, "--topic", input, "--from", "earliest"] + destination, logs: logs)
        let brokerBefore = broker.child.processCPUSeconds() ?? 0
        try waitForSuccess(child, "replay")
        let brokerSeconds = (broker.child.processCPUSeconds() ?? 0) - brokerBefore
        // The summary on stderr: `events read:   N` and `elapsed:       S s`.
        func value(_ label: String) -> Double? {
            child.stderr.split(separator: "\n").first { $0.hasPrefix(label) }
                .flatMap { Double($0.dropFirst(label.count).trimmingCharacters(in: .whitespaces).split(separator: " ")[0]) }
        }
        guard let events = value("events read:"), let seconds = value("elapsed:"), seconds > 0 else {
            throw child.failure("printed no summary with `events read:` and `elapsed:`")
        }
        return ReplayRun(events: Int(events), seconds: seconds, cpuSeconds: child.cpuSeconds, brokerSeconds: brokerSeconds)
    }

    /// Reads the input once with `revisit tail` into a file: a line per message, each a JSON
    /// object with the envelope's fields, before the timed runs send it to /dev/null.
    private func checkTail(input: String, sent: Int, broker: BenchBroker, logs: BenchLogDirectory) throws {
        let tail = try BenchChild(
            name: "revisit tail (check)", executable: BenchProcesses.revisitBinary,
            arguments: ["tail", "--brokers", broker.bootstrap, "--topic", input, "--from-beginning", "--until-end"], logs: logs)
        try waitForSuccess(tail, "tail")
        defer { try? FileManager.default.removeItem(atPath: tail.stdoutPath) }
        let lines = tail.stdout.split(separator: "\n")
        guard lines.count == sent else { throw tail.failure("printed \(lines.count) lines for \(sent) messages") }
        for line in [lines.first!, lines[lines.count / 2], lines.last!] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["topic"] as? String == input, object["offset"] is Int, object["value"] is [String: Any] else {
                throw tail.failure("printed a line that is not the envelope of a JSON event: \(line.prefix(200))")
            }
        }
        print("check: revisit tail printed \(grouped(lines.count)) lines, one JSON envelope per message")
    }

    /// A reader's name, padded so that the figures after it line up.
    private func label(_ name: String) -> String {
        name.padding(toLength: 40, withPad: " ", startingAt: 0)
    }

    private func waitForSuccess(_ child: BenchChild, _ what: String) throws {
        guard child.waitForExit(timeout: timeout) else {
            child.stop()
            throw child.failure("did not finish the \(what) within \(Int(timeout)) s (--timeout)")
        }
        guard child.succeeded else { throw child.failure("failed") }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
