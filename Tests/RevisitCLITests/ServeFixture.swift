import Foundation
import RevisitKafka
import Testing

/// One pipeline for every `revisit serve` test: generated activity processed by `revisit run`
/// on `revisit broker`, one user forgotten (a `forget` event, SPEC 1) before `revisit serve`
/// starts, and `revisit serve` reading the output topics, ready, its API behind a token
/// (``token``). The pipeline keeps running, so a test can produce more and watch the server
/// follow.
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
    /// The user of the newest alert, for a test to forget while the dashboard shows it.
    let onPage: String
    /// The other users with a profile, which no test changes (sorted).
    let users: [String]
    /// The token of the API (``tokenFile`` holds it).
    let token = ServeFixture.newToken()
    let tokenFile: String
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
        let changed = [churned, others[0], others[1]]
        // The newest alert of a user no other test changes: the dashboard shows it.
        let newest = try pipeline.read("revisit.alerts").compactMap { message -> (at: String, id: String, user: String)? in
            let alert = try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
            guard let at = alert?["at"] as? String, let id = alert?["alert_id"] as? String, let user = alert?["user_id"] as? String,
                  !changed.contains(user) else { return nil }
            return (at, id, user)
        }.max { ($0.at, $0.id) < ($1.at, $1.id) }
        guard let newest else { throw FixtureError("no alert to show on the dashboard") }
        onPage = newest.user
        users = others.dropFirst(2).filter { $0 != newest.user }
        tokenFile = try Self.secretFile(token + "\n")
        try forget(forgotten)
        let (server, port) = try Self.startServe(
            ["--http", "127.0.0.1:0", "--idle-timeout", "2", "--alerts-kept", "2000", "--token-file", tokenFile],
            bootstrap: pipeline.cluster.bootstrap)
        serve = server
        self.port = port
    }

    deinit {
        try? FileManager.default.removeItem(atPath: tokenFile)
    }

    /// Starts `revisit serve` on the topics of `bootstrap` with `arguments`, and waits until it
    /// says where it listens and `/readyz` (asked with `headers`) answers 200.
    static func startServe(
        _ arguments: [String], bootstrap: String, environment: [String: String] = [:], headers: [String: String] = [:]
    ) throws -> (RevisitProcess.Child, Int) {
        let serve = try RevisitProcess.Child(["serve", "--brokers", bootstrap] + arguments, environment: environment)
        guard serve.waitForStdout(containing: "dashboard at http://", timeout: 30),
              let port = serve.stdout.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) })
        else { throw FixtureError("revisit serve did not say where it listens: \(serve.stderr)") }
        let deadline = Date().addingTimeInterval(60)
        while RawHTTP.get(port: port, path: "/readyz", headers: headers)?.status != 200 {
            guard Date() < deadline, serve.isRunning else {
                throw FixtureError("revisit serve is not ready after 60 s: \(serve.stderr.suffix(2_000))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (serve, port)
    }

    /// Another `revisit serve` on the fixture's topics (see ``startServe(_:bootstrap:environment:headers:)``).
    func startServe(_ arguments: [String], environment: [String: String] = [:], headers: [String: String] = [:]) throws -> (RevisitProcess.Child, Int) {
        try Self.startServe(["--http", "127.0.0.1:0"] + arguments, bootstrap: pipeline.cluster.bootstrap, environment: environment, headers: headers)
    }

    /// A random bearer token (32 hex digits).
    static func newToken() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    /// A temporary file holding `text`, readable by its owner only; the caller removes it.
    static func secretFile(_ text: String, mode: Int = 0o600) throws -> String {
        let path = NSTemporaryDirectory() + "revisit-secret-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw FixtureError("cannot write \(path)")
        }
        return path
    }

    /// The header that opens the fixture's API.
    var authorization: [String: String] { ["Authorization": "Bearer \(token)"] }

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

    /// `GET path` of the server, with the API's token.
    func get(_ path: String) throws -> RawHTTP.Response {
        guard let response = RawHTTP.get(port: port, path: path, headers: authorization) else {
            throw FixtureError("no answer to GET \(path); revisit serve \(serve.isRunning ? "runs" : "has exited"): \(serve.stderr.suffix(1_000))")
        }
        return response
    }

    /// The alerts of the topic the server shows, as the topic holds them: those of users
    /// whose latest profile record is a profile (not a tombstone) that began no later than
    /// the alert.
    func shownAlerts() throws -> [(id: String, type: String, at: String, json: String)] {
        var firstSeen: [String: String?] = [:]
        for message in try pipeline.read("revisit.profiles") {
            let user = String(decoding: message.key ?? [], as: UTF8.self)
            let profile = message.value.isEmpty ? nil : try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
            firstSeen[user] = profile?["first_seen"] as? String
        }
        return try pipeline.read("revisit.alerts").compactMap { message in
            let json = String(decoding: message.value, as: UTF8.self)
            let alert = try JSONSerialization.jsonObject(with: Data(message.value)) as! [String: Any]
            let (user, at) = (alert["user_id"] as! String, alert["at"] as! String)
            // RFC 3339 UTC with milliseconds, all alike: text order is time order.
            guard let first = firstSeen[user] ?? nil, first <= at else { return nil }
            return (alert["alert_id"] as! String, alert["type"] as! String, at, json)
        }
    }

    /// An alert stream of `path` on the server, with the API's token.
    func stream(_ path: String) -> EventStreamClient? {
        EventStreamClient(port: port, path: path, headers: authorization)
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
