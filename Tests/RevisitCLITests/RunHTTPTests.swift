import Foundation
import Glibc
import Testing

/// `revisit run --http`: `/metrics` (read with prometheus_client's parser), `/healthz` and
/// `/readyz` of a pipeline process on `revisit broker`, and the same port under hostile
/// requests while the pipeline goes on processing.
@Suite("revisit run --http: metrics and health", .serialized)
struct RunHTTPTests {
    @Test("/readyz is 503 until every partition is restored, then 200; /healthz 200; /metrics adds up to the run's summary and its topics")
    func metricsReconcileWithTheSummary() throws {
        let fixture = try PipelineFixture(seed: 31)
        try fixture.produce(0..<fixture.lines.count)
        let run = try fixture.startRun(["--http", "127.0.0.1:0"])
        let port = try #require(Self.port(of: run), "no `http: listening on` line: \(run.stderr.suffix(2_000))")
        // The pipeline joins the group only once the server listens, and a join takes seconds.
        let early = try #require(RawHTTP.get(port: port, path: "/readyz"))
        #expect(early.status == 503, "\(early.body)")
        #expect(["waiting for partitions", "restoring partitions", "starting"].contains { early.body.contains($0) }, "\(early.body)")
        #expect(run.waitForStderr(containing: "ready: partitions", timeout: 60))
        let ready = try #require(RawHTTP.get(port: port, path: "/readyz"))
        #expect(ready.status == 200 && ready.body == #"{"status":"ready"}"#)
        let health = try #require(RawHTTP.get(port: port, path: "/healthz"))
        #expect(health.status == 200 && health.body.contains(#""status":"ok""#) && health.body.contains(#""limit_seconds":30"#))

        try fixture.waitForNoLag(of: [run])
        let metrics = try Self.settledMetrics(port: port, messages: fixture.lines.count)
        #expect(run.terminate(timeout: 40) == .exited(0))
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([run.stdout], messages: fixture.lines.count)

        // The types Prometheus sees.
        #expect(metrics.types["revisit_input_records"] == "counter")
        #expect(metrics.types["revisit_outputs"] == "counter")
        #expect(metrics.types["revisit_state_users"] == "gauge")
        #expect(metrics.types["revisit_checkpoint_duration_seconds"] == "histogram")

        // Input: every message has an outcome, or waits in a reorder buffer; as the summary says.
        let summary = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let held = (summary["held_at_stop"] as! [String: [String: Int]]).values
        func heldTotal(_ key: String) -> Double { Double(held.map { $0[key]! }.reduce(0, +)) }
        let applied = metrics.value("revisit_input_records_total", ["outcome": "applied"])
        let duplicates = metrics.value("revisit_input_records_total", ["outcome": "duplicate"])
        let deadLetters = metrics.samples("revisit_input_records_total").filter { $0.labels["outcome"] == "dead_letter" }
        let buffered = metrics.samples("revisit_reorder_buffer_events").map(\.value).reduce(0, +)
        let input = metrics.value("revisit_input_messages_total")
        #expect(input == Double(fixture.lines.count))
        #expect(input == Double(summary["messages"] as! Int))
        #expect(applied + duplicates + deadLetters.map(\.value).reduce(0, +) + buffered == input)
        #expect(applied == heldTotal("applied"))
        #expect(duplicates == heldTotal("duplicates"))
        #expect(deadLetters.map(\.value).reduce(0, +) == heldTotal("dead_letters"))
        #expect(buffered == heldTotal("buffered"))
        // One series per dead-letter reason, each the count of the file replay's.
        let expectedReasons = Dictionary(fixture.expected.deadLetterReasons.map { ($0, 1.0) }, uniquingKeysWith: +)
        for sample in deadLetters {
            #expect(sample.value == expectedReasons[sample.labels["reason"]!] ?? 0, "dead letters \(sample.labels)")
        }
        #expect(Set(deadLetters.map { $0.labels["reason"]! }).isSuperset(of: expectedReasons.keys))

        // Outputs by topic: the summary's, and what the topics hold (a fresh run wrote all of it).
        let byTopic = summary["outputs_by_topic"] as! [String: Int]
        #expect(Set(byTopic.keys) == Set(PipelineFixture.outputTopics))
        for topic in PipelineFixture.outputTopics {
            let published = metrics.value("revisit_outputs_total", ["topic": topic])
            #expect(published == Double(byTopic[topic]!), "\(topic)")
            #expect(published == Double(try fixture.read(topic).count), "\(topic)")
        }
        #expect(byTopic.values.reduce(0, +) == summary["outputs_written"] as! Int)
        #expect(metrics.value("revisit_outputs_already_written_total") == 0)

        // Partitions: all eight, caught up, with users, and watermarks of events long past.
        let partitions = (0..<PipelineFixture.partitions).map(String.init)
        #expect(metrics.value("revisit_partitions_assigned") == Double(PipelineFixture.partitions))
        #expect(Set(metrics.samples("revisit_state_users").map { $0.labels["partition"]! }) == Set(partitions))
        // The 700 generated users: the clock events' users still wait in the reorder buffers.
        #expect(metrics.samples("revisit_state_users").map(\.value).reduce(0, +) == 700)
        for p in partitions {
            #expect(metrics.value("revisit_consumer_lag_messages", ["partition": p]) == 0)
            #expect(metrics.value("revisit_watermark_delay_seconds", ["partition": p]) > 86_400)
            #expect(metrics.value("revisit_watermark_seconds", ["partition": p]) > 946_684_800)
        }
        #expect(metrics.value("revisit_restored_partitions_total") == Double(PipelineFixture.partitions))
        #expect(metrics.value("revisit_restored_users_total") == Double(summary["restored_users"] as! Int))
        #expect(metrics.value("revisit_rebalances_total", ["change": "assigned"]) >= 1)
        #expect(metrics.value("revisit_checkpoint_duration_seconds_count") >= 1)
        #expect(metrics.value("revisit_checkpoints_total") >= 1)
        #expect(metrics.value("revisit_resets_total") == 0)
    }

    @Test("Hostile requests to the port (unknown paths, a 10 MB URL, 1,000 connections at once, slow clients) get errors, and the pipeline processes meanwhile")
    func hostileRequests() throws {
        let fixture = try PipelineFixture(seed: 32)
        let split = fixture.lines.count / 3
        try fixture.produce(0..<split)
        let run = try fixture.startRun(["--http", "127.0.0.1:0"])
        let port = try #require(Self.port(of: run), "no `http: listening on` line: \(run.stderr.suffix(2_000))")
        #expect(run.waitForStderr(containing: "ready: partitions", timeout: 60))

        // The attack runs on threads of its own while the rest of the input is produced and processed.
        let attack = Attack(port: port)
        try fixture.produce(split..<fixture.lines.count)
        try fixture.waitForNoLag(timeout: 90, of: [run])
        let outcome = attack.wait()

        #expect(run.isRunning, "revisit run ended during the attack: \(run.stderr.suffix(3_000))")
        #expect(outcome.unknownPaths.allSatisfy { $0 == 404 }, "\(outcome.unknownPaths)")
        #expect(outcome.garbage.allSatisfy { $0.map { (400..<500).contains($0) } ?? true }, "\(outcome.garbage)")
        #expect(outcome.longURL.map { (400..<500).contains($0) } ?? true, "the 10 MB URL: \(String(describing: outcome.longURL))")
        // Everything the server took in got a whole response; the rest waited or timed out.
        #expect(outcome.crowd.answered + outcome.crowd.failed == Attack.crowdSize)
        #expect(outcome.crowd.answered >= 256, "\(outcome.crowd)")
        #expect(outcome.slowClientsClosed == Attack.slowClients, "slow clients cut off by the server: \(outcome.slowClientsClosed)")
        // The server still answers, and the pipeline went on: every output as the file replay's.
        #expect(RawHTTP.get(port: port, path: "/healthz")?.status == 200)
        #expect(RawHTTP.get(port: port, path: "/metrics")?.status == 200)
        #expect(run.terminate(timeout: 40) == .exited(0))
        try fixture.expectOutputsMatchReplay()
        try PipelineFixture.reconcile([run.stdout], messages: fixture.lines.count)
    }

    @Test("With --protect, /metrics, /healthz and /readyz answer 401 without a token or with a wrong one and 200 with either of two; SIGHUP rotates them; no token in the log")
    func protectedEndpoints() throws {
        let fixture = try PipelineFixture(users: 40, days: 20, seed: 33)
        try fixture.produce(0..<fixture.lines.count)
        let (old, new, wrong) = (ServeFixture.newToken(), ServeFixture.newToken(), ServeFixture.newToken())
        let tokens = try ServeFixture.secretFile("\(old)\n\(new)\n")
        defer { try? FileManager.default.removeItem(atPath: tokens) }
        let run = try fixture.startRun(["--http", "0", "--protect", "metrics,healthz,readyz", "--operations-token-file", tokens])
        let port = try #require(Self.port(of: run), "no `http: listening on` line: \(run.stderr.suffix(2_000))")
        #expect(run.waitForStderr(containing: "ready: partitions", timeout: 60))
        func status(_ path: String, _ token: String?) -> Int? {
            RawHTTP.get(port: port, path: path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])?.status
        }
        for path in ["/metrics", "/healthz", "/readyz"] {
            let refused = RawHTTP.get(port: port, path: path)
            #expect(refused?.status == 401 && refused?.body.contains(#""status":401"#) == true, "\(path)")
            #expect(refused?.headers["www-authenticate"] == #"Bearer realm="revisit""#)
            #expect(status(path, wrong) == 401, "\(path)")
            #expect(status(path, old) == 200 && status(path, new) == 200, "\(path)")
        }
        let metrics = RawHTTP.get(port: port, path: "/metrics", headers: ["Authorization": "Bearer \(new)"])?.body ?? ""
        #expect(metrics.contains(#"revisit_http_unauthorized_requests_total{endpoint="healthz",reason="missing"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"revisit_http_unauthorized_requests_total{endpoint="readyz",reason="invalid"} 1"#))

        try Data("\(new)\n".utf8).write(to: URL(fileURLWithPath: tokens))
        kill(run.pid, SIGHUP)
        let deadline = Date().addingTimeInterval(20)
        while status("/healthz", old) != 401, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(status("/healthz", old) == 401 && status("/healthz", new) == 200)
        #expect(run.terminate(timeout: 40) == .exited(0))
        #expect(run.stderr.contains("access: tokens needed for metrics (2 tokens from the token file \(tokens)"), "\(run.stderr.suffix(3_000))")
        #expect(!run.stderr.contains("no access control"), "127.0.0.1: no warning")
        for token in [old, new, wrong] { #expect(!run.stderr.contains(token), "a token in the log") }
    }

    // MARK: - Helpers

    /// The port of `revisit run --http 127.0.0.1:0`, from its log.
    static func port(of run: RevisitProcess.Child) -> Int? {
        let marker = "http: listening on 127.0.0.1:"
        guard run.waitForStderr(containing: marker, timeout: 30),
              let range = run.stderr.range(of: marker) else { return nil }
        return Int(run.stderr[range.upperBound...].prefix { $0.isNumber })
    }

    /// Scrapes `/metrics` until every input message is counted and two scrapes a publication
    /// interval apart agree (the runner publishes once a second).
    static func settledMetrics(port: Int, messages: Int, timeout: TimeInterval = 30) throws -> PrometheusSamples {
        let deadline = Date().addingTimeInterval(timeout)
        var previous: PrometheusSamples?
        while Date() < deadline {
            let response = try #require(RawHTTP.get(port: port, path: "/metrics"))
            #expect(response.status == 200)
            let current = try PrometheusSamples(parsing: response.body)
            if current.value("revisit_input_messages_total") == Double(messages), let previous,
               previous.withoutWallClock == current.withoutWallClock {
                return current
            }
            previous = current
            Thread.sleep(forTimeInterval: 1.2)
        }
        throw FixtureError("/metrics did not settle at \(messages) input messages within \(Int(timeout)) s")
    }
}

/// A Prometheus text exposition as prometheus_client's parser reads it
/// (`scripts/prometheus-samples`).
struct PrometheusSamples: Equatable {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Family name (a counter's without `_total`) to type.
    var types: [String: String] = [:]
    var all: [Sample] = []

    init(parsing text: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/prometheus-samples")
        let run = try RevisitProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path], input: Data(text.utf8))
        guard run.status == 0 else {
            throw FixtureError("prometheus_client refused /metrics (scripts/test installs it; or pip install prometheus_client): \(run.stderr)")
        }
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        for (name, family) in object["families"] as! [String: [String: String]] { types[name] = family["type"] }
        for sample in object["samples"] as! [[String: Any]] {
            let value = (sample["value"] as? Double) ?? (sample["value"] as? String).flatMap(Double.init) ?? .nan
            all.append(Sample(name: sample["name"] as! String, labels: sample["labels"] as! [String: String], value: value))
        }
    }

    func samples(_ name: String) -> [Sample] { all.filter { $0.name == name } }

    /// The samples that do not follow the wall clock: those that settle once input stops.
    var withoutWallClock: [Sample] { all.filter { $0.name != "revisit_watermark_delay_seconds" } }

    /// The value of the series with exactly these labels; NaN when there is none (so every
    /// comparison with it fails).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        all.first { $0.name == name && $0.labels == labels }?.value ?? .nan
    }
}

/// Hostile clients of one port, each kind on threads of its own, started at once.
final class Attack: @unchecked Sendable {
    static let crowdSize = 1_000
    static let slowClients = 40

    struct Outcome {
        /// Statuses of GETs of paths that do not exist (0: no response).
        var unknownPaths: [Int] = []
        /// Statuses answering malformed requests (nil: the connection was closed without one).
        var garbage: [Int?] = []
        /// The status answering a 10 MB URL (nil: closed without one).
        var longURL: Int?
        var crowd = (answered: 0, failed: 0)
        /// Slow clients the server closed on while they were still sending.
        var slowClientsClosed = 0
    }

    private let lock = NSLock()
    private var outcome = Outcome()
    private let group = DispatchGroup()

    init(port: Int) {
        spawn {
            for i in 0..<100 {
                let paths = ["/nope/\(i)", "/metrics/extra", "/../../etc/passwd", "/%00", "/healthz/\(String(repeating: "x", count: 4_000))"]
                let status = RawHTTP.get(port: port, path: paths[i % paths.count])?.status ?? 0
                self.record { $0.unknownPaths.append(status) }
            }
        }
        spawn {
            let requests = ["GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "POST /metrics HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                            "GET /metrics HTTP/1.1\r\nHost: x\r\n" + String(repeating: "X-Filler: y\r\n", count: 5_000) + "\r\n"]
            for request in requests {
                let status = RawHTTP.request(port: port, Array(request.utf8))?.status
                self.record { $0.garbage.append(status) }
            }
        }
        spawn {
            let request = Array(("GET /" + String(repeating: "a", count: 10 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n").utf8)
            let status = RawHTTP.request(port: port, request, timeout: 30)?.status
            self.record { $0.longURL = status }
        }
        for _ in 0..<Self.crowdSize {
            spawn {
                // Connected at once (the kernel queues what the server has not accepted yet);
                // each client closes after its response, which lets the next one in.
                let socket = RawHTTP.Socket(port: port, timeout: 30)
                let response = socket.flatMap { socket in
                    socket.send(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) ? socket.readResponse() : nil
                }
                socket?.close()
                self.record { outcome in
                    if response?.status == 200 { outcome.crowd.answered += 1 } else { outcome.crowd.failed += 1 }
                }
            }
        }
        for _ in 0..<Self.slowClients {
            spawn {
                guard let socket = RawHTTP.Socket(port: port, timeout: 5) else { return }
                socket.send(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n".utf8))
                // One more header byte a second, never the end of the head: the server must cut it off.
                let deadline = Date().addingTimeInterval(40)
                while Date() < deadline {
                    if socket.peerClosed(within: 1) || !socket.send([UInt8(ascii: "X")]) {
                        self.record { $0.slowClientsClosed += 1 }
                        return
                    }
                }
            }
        }
    }

    /// Waits for every client to finish.
    func wait() -> Outcome {
        group.wait()
        return lock.withLock { outcome }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread { [group] in
            body()
            group.leave()
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }

    private func record(_ change: (inout Outcome) -> Void) {
        lock.withLock { change(&outcome) }
    }
}
