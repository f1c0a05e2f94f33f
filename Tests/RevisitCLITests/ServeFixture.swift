import Foundation
import RevisitKafka
import Testing

/// One pipeline for every `revisit serve` test: generated activity processed by `revisit run`
/// on `revisit broker`, one user forgotten (a `forget` event, SPEC 1) before `revisit serve`
/// starts, and `revisit serve` reading the output topics, ready. The pipeline keeps running,
/// so a test can produce more and watch the server follow.
final class ServeFixture: @unchecked Sendable {
    @TaskLocal static var current: ServeFixture?

    /// The fixture of the suite running, set up by ``Scope``.
    static func shared() throws -> ServeFixture {
        guard let current else { throw FixtureError("the suite needs the .serveFixture trait") }
        return current
    }

    let pipeline: PipelineFixture
    let run: RevisitProcess.Child
    private(set) var serve: RevisitProcess.Child!
    private(set) var port = 0
    /// A user forgotten before `revisit serve` started.
    let forgotten: String
    /// A user for a test to forget while the server runs.
    let toForget: String
    /// A churned user for a test to bring back while the server runs (a `recalled` alert).
    let toRecall: String
    /// The other users with a profile, which no test changes (sorted).
    let users: [String]
    /// The instant of the clock events that end the generated lines.
    private let clockInstant: Int64
    /// Events produced after the generated lines so far; each batch has two hours of its own,
    /// later than the one before, so that none of them is too late whatever the tests' order.
    private var batches = 0

    init() throws {
        pipeline = try PipelineFixture(users: 300, days: 100, seed: 41)
        let last = try JSONSerialization.jsonObject(with: Data(pipeline.lines.last!.utf8)) as! [String: Any]
        clockInstant = (last["ts"] as! NSNumber).int64Value
        try pipeline.produce(0..<pipeline.lines.count)
        run = try pipeline.startRun()
        try pipeline.waitForNoLag(timeout: 60, of: [run])
        let expected = pipeline.expected.profiles
        let known = expected.keys.sorted()
        let clockDay = clockInstant / 86_400_000
        // A user silent for over 90 days: a visit now is a return (SPEC 4).
        let churned = try known.last { user in
            let profile = try JSONSerialization.jsonObject(with: Data(expected[user]!.last!.utf8)) as! [String: Any]
            let lastVisit = profile["last_visit_day"] as! String
            return clockDay - (Self.dayNumber(lastVisit) ?? clockDay) > 91
        }
        guard let churned else { throw FixtureError("no user of the generated activity is churned") }
        toRecall = churned
        let others = known.filter { $0 != churned }
        (forgotten, toForget) = (others[0], others[1])
        users = Array(others.dropFirst(2))
        try forget(forgotten)
        serve = try RevisitProcess.Child([
            "serve", "--brokers", pipeline.cluster.bootstrap, "--http", "127.0.0.1:0", "--idle-timeout", "2",
            "--alerts-kept", "2000",
        ])
        guard serve.waitForStdout(containing: "dashboard at http://", timeout: 30),
              let port = serve.stdout.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) })
        else { throw FixtureError("revisit serve did not say where it listens: \(serve.stderr)") }
        self.port = port
        let deadline = Date().addingTimeInterval(60)
        while RawHTTP.get(port: port, path: "/readyz")?.status != 200 {
            guard Date() < deadline, serve.isRunning else {
                throw FixtureError("revisit serve is not ready after 60 s: \(serve.stderr.suffix(2_000))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Produces a `forget` of `user` and, after it, a campaign touch of a user of the same
    /// partition that moves the partition's watermark past the forget; waits until the
    /// pipeline has processed both (its committed offsets reach the end).
    func forget(_ user: String) throws {
        try produce(user, #""type":"forget""#)
    }

    /// Produces a visit of `user` the same way as ``forget(_:)``: an hour later its session
    /// has closed (a profile) and, for a churned user, a `recalled` alert is out.
    func recall(_ user: String) throws {
        try produce(user, #""type":"page_view""#)
    }

    private func produce(_ user: String, _ type: String) throws {
        batches += 1
        let hour: Int64 = 3_600_000
        // Within the clock events' day: no day closes, so the daily records stay as they are.
        let at = clockInstant + Int64(2 * batches - 1) * hour
        let partition = KafkaPartitioner.partition(of: user, count: PipelineFixture.partitions)
        var candidate = 0
        while KafkaPartitioner.partition(of: "advance-\(candidate)", count: PipelineFixture.partitions) != partition { candidate += 1 }
        let lines = [
            #"{"event_id":"batch-\#(batches)","user_id":"\#(user)",\#(type),"ts":\#(at)}"#,
            #"{"event_id":"advance-\#(batches)","user_id":"advance-\#(candidate)","type":"campaign_touch","ts":\#(at + hour),"campaign":"clock"}"#,
        ]
        let produced = try RevisitProcess.revisit(
            ["produce", "--topic", "events", "--brokers", pipeline.cluster.bootstrap],
            input: Data((lines.joined(separator: "\n") + "\n").utf8))
        guard produced.status == 0 else { throw FixtureError("produce failed: \(produced.stderr)") }
        try pipeline.waitForNoLag(timeout: 60, of: [run])
    }

    static func dayNumber(_ date: String) -> Int64? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: components).map { Int64($0.timeIntervalSince1970) / 86_400 }
    }

    /// `GET path` of the server.
    func get(_ path: String) throws -> RawHTTP.Response {
        guard let response = RawHTTP.get(port: port, path: path) else {
            throw FixtureError("no answer to GET \(path); revisit serve \(serve.isRunning ? "runs" : "has exited"): \(serve.stderr.suffix(1_000))")
        }
        return response
    }

    /// `revisit metrics --topic revisit.metrics` with `arguments`, its stdout.
    func metricsCommand(_ arguments: [String]) throws -> String {
        let output = try RevisitProcess.revisit(
            ["metrics", "--topic", "revisit.metrics", "--brokers", pipeline.cluster.bootstrap, "--format", "json"] + arguments)
        guard output.status == 0 else { throw FixtureError("revisit metrics failed: \(output.stderr)") }
        return output.stdout
    }

    /// Stops the server (its exit status must be 0: the alert streams end, the server stops)
    /// and the pipeline.
    func stop() -> RevisitProcess.Child.Exit? {
        let exit = serve.terminate(timeout: 30)
        run.terminate(timeout: 40)
        return exit
    }

    // MARK: - Scope

    /// Sets the fixture up once around a whole suite, its nested suites included.
    struct Scope: SuiteTrait, TestScoping {
        func provideScope(
            for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
        ) async throws {
            let fixture = try ServeFixture()
            try await ServeFixture.$current.withValue(fixture) { try await function() }
            let exit = fixture.stop()
            #expect(exit == .exited(0), "revisit serve after SIGTERM: \(fixture.serve.stderr.suffix(1_000))")
        }
    }
}

extension Trait where Self == ServeFixture.Scope {
    /// A ``ServeFixture`` shared by every test of the suite.
    static var serveFixture: Self { Self() }
}
