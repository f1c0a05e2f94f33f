import Foundation
import Glibc
import RevisitKafka
import Synchronization
import Testing

extension ServeTests {
    @Suite("Security and privacy: tokens, masking, forget end to end, headers")
    struct Security {
        // MARK: - Tokens

        @Test("Every endpoint without a token, with a wrong one, with either of two; a rotation by SIGHUP; no token in the log")
        func tokensAndRotation() throws {
            let fixture = try ServeFixture.shared()
            let (old, new, operations, wrong) = (ServeFixture.newToken(), ServeFixture.newToken(), ServeFixture.newToken(), ServeFixture.newToken())
            // Readable by others: the start warns of it.
            let tokenFile = try ServeFixture.secretFile("# rotated\n\(old)\n\(new)\n", mode: 0o644)
            defer { try? FileManager.default.removeItem(atPath: tokenFile) }
            let (serve, port) = try fixture.startServe(
                ["--token-file", tokenFile, "--protect", "metrics,healthz", "--protect", "readyz"],
                environment: ["REVISIT_OPERATIONS_TOKENS": operations], headers: ["Authorization": "Bearer \(operations)"])
            defer { serve.terminate(timeout: 30) }

            let user = fixture.users[0]
            let api = ["/api/v1/status", "/api/v1/daily", "/api/v1/campaigns", "/api/v1/profiles/\(user)", "/api/v1/alerts/stream?limit=1"]
            let probes = ["/metrics", "/healthz", "/readyz"]
            for path in api + probes {
                let missing = try Self.get(port, path, nil)
                #expect(missing.status == 401, "\(path) without a token")
                #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(path)")
                #expect(missing.headers["cache-control"] == "no-store", "\(path)")
                let error = try? JSONSerialization.jsonObject(with: Data(missing.body.utf8)) as? [String: Any]
                #expect(error?["status"] as? Int == 401 && error?["error"] is String, "\(path): \(missing.body)")
                #expect(try Self.get(port, path, wrong).status == 401, "\(path) with a wrong token")
                // The two kinds of token do not open each other's endpoints.
                #expect(try Self.get(port, path, probes.contains(path) ? old : operations).status == 401, "\(path) with the other kind")
            }
            for token in [old, new] {
                for path in api where !path.contains("stream") {
                    #expect(try Self.get(port, path, token).status == 200, "\(path)")
                }
                let stream = try #require(EventStreamClient(port: port, path: api[4], headers: ["Authorization": "Bearer \(token)"]))
                #expect(stream.events(count: 1, timeout: 10).count == 1 && stream.status == 200)
                stream.socket.close()
            }
            for path in probes { #expect(try Self.get(port, path, operations).status == 200, "\(path)") }
            let metrics = try Self.get(port, "/metrics", operations).body
            #expect(metrics.contains(#"revisit_http_unauthorized_requests_total{endpoint="api",reason="missing"} 5"#), "\(metrics)")
            #expect(metrics.contains(#"revisit_http_unauthorized_requests_total{endpoint="api",reason="invalid"} 10"#))
            #expect(metrics.contains(#"revisit_http_unauthorized_requests_total{endpoint="readyz",reason="invalid"} 2"#))

            // Rotation: the old token leaves the file; SIGHUP; it opens nothing any more.
            try Data("\(new)\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
            kill(serve.pid, SIGHUP)
            let deadline = Date().addingTimeInterval(20)
            while try Self.get(port, api[0], old).status != 401, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(try Self.get(port, api[0], old).status == 401)
            #expect(try Self.get(port, api[0], new).status == 200)
            #expect(serve.isRunning)

            let log = serve.stderr
            #expect(log.contains("chmod 600 \(tokenFile)"), "the warning of a token file others can read: \(log)")
            #expect(log.contains("tokens needed for api (2 tokens from the token file \(tokenFile)"), "\(log)")
            #expect(log.contains("SIGHUP: 1 token from the token file"), "\(log)")
            for token in [old, new, operations, wrong] { #expect(!log.contains(token), "a token in the log") }
        }

        @Test("The shared server: the API needs its token, /metrics, /healthz and /readyz stay open")
        func defaults() throws {
            let fixture = try ServeFixture.shared()
            #expect(RawHTTP.get(port: fixture.port, path: "/api/v1/status")?.status == 401)
            #expect(RawHTTP.get(port: fixture.port, path: "/api/v1/profiles/\(fixture.users[0])")?.status == 401)
            for path in ["/metrics", "/healthz", "/readyz", "/", "/assets/dashboard.js"] {
                #expect(RawHTTP.get(port: fixture.port, path: path)?.status == 200, "\(path)")
            }
        }

        @Test("Settings that cannot work stop the start with the file and the fix, and show no secret")
        func badSettings() throws {
            let fixture = try ServeFixture.shared()
            let token = ServeFixture.newToken()
            let empty = try ServeFixture.secretFile("# no token yet\n")
            let short = try ServeFixture.secretFile("abc123\n")
            let key = try ServeFixture.secretFile("too-short-a-key\n")
            let good = try ServeFixture.secretFile(token + "\n")
            defer { for file in [empty, short, key, good] { try? FileManager.default.removeItem(atPath: file) } }
            let serve = ["serve", "--brokers", fixture.pipeline.cluster.bootstrap, "--http", "127.0.0.1:0"]
            let cases: [(arguments: [String], environment: [String: String], says: [String])] = [
                (serve + ["--token-file", "/nonexistent/tokens"], [:], ["/nonexistent/tokens", "does not exist", "openssl rand -hex 32"]),
                (serve + ["--token-file", empty], [:], [empty, "holds no token"]),
                (serve + ["--token-file", short], [:], [short, "at least 16"]),
                (serve + ["--token-file", good], ["REVISIT_TOKENS": token], ["--token-file", "REVISIT_TOKENS", "keep one"]),
                (serve + ["--protect", "metrics"], [:], ["--protect metrics needs tokens", "--operations-token-file"]),
                (serve + ["--protect", "profiles", "--operations-token-file", good], [:], ["--protect takes metrics, healthz, readyz"]),
                (serve + ["--mask-key-file", key], [:], [key, "at least 32", "openssl rand -hex 32"]),
                (["run", "--brokers", fixture.pipeline.cluster.bootstrap, "--http", "0", "--protect", "metrics"], [:],
                 ["--protect metrics needs tokens"]),
                (["run", "--brokers", fixture.pipeline.cluster.bootstrap, "--protect", "metrics"], [:], ["give --http"]),
            ]
            for (arguments, environment, says) in cases {
                let output = try Self.finished(arguments, environment: environment)
                #expect(output.status != 0, "\(arguments)")
                for text in says { #expect(output.stderr.contains(text), "\(arguments): \(output.stderr)") }
                #expect(!output.stderr.contains(token) && !output.stderr.contains("abc123") && !output.stderr.contains("too-short-a-key"))
            }
        }

        @Test("A port alone listens on 127.0.0.1; another address without tokens is warned about at start")
        func addresses() throws {
            let fixture = try ServeFixture.shared()
            let loopback = try RevisitProcess.Child(["serve", "--brokers", fixture.pipeline.cluster.bootstrap, "--http", "0"])
            defer { loopback.terminate(timeout: 30) }
            #expect(loopback.waitForStdout(containing: "dashboard at http://127.0.0.1:", timeout: 30), "\(loopback.stderr)")
            #expect(!loopback.stderr.contains("no access control"), "loopback: no warning")

            // 192.0.2.1 (TEST-NET-1) is no address of this host: the server cannot bind it and
            // the command ends, after the warning, with nothing listening anywhere.
            let tokens = try ServeFixture.secretFile(ServeFixture.newToken() + "\n")
            defer { try? FileManager.default.removeItem(atPath: tokens) }
            for (command, protected) in [(["serve"], false), (["serve", "--token-file", tokens], true), (["run"], false)] {
                let output = try Self.finished(command + ["--brokers", fixture.pipeline.cluster.bootstrap, "--http", "192.0.2.1:0"])
                #expect(output.status != 0, "\(command): \(output.stderr)")
                #expect(output.stderr.contains("listens beyond this host with no access control") == !protected, "\(command): \(output.stderr)")
            }
        }

        // MARK: - Masking

        @Test("Masked ids: HMAC-SHA256 of the real id, stable across restarts, apart across keys; lookups by masked or real id")
        func masking() throws {
            let fixture = try ServeFixture.shared()
            let (keyA, keyB) = (ServeFixture.newToken() + ServeFixture.newToken(), ServeFixture.newToken() + ServeFixture.newToken())
            let fileA = try ServeFixture.secretFile(keyA + "\n")
            let fileB = try ServeFixture.secretFile(keyB + "\n")
            defer { for file in [fileA, fileB] { try? FileManager.default.removeItem(atPath: file) } }

            // The users of every alert the server shows (ties in time are ordered by the masked
            // alert ids, so the users are compared as sorted lists).
            let real = try fixture.shownAlerts().map { alert in
                try #require(try JSONSerialization.jsonObject(with: Data(alert.json.utf8)) as? [String: Any])["user_id"] as! String
            }
            /// The sorted user ids of every alert and the profile of `lookup` as a server with `file` shows them.
            func shown(_ file: String, _ lookup: String) throws -> (users: [String], profile: RawHTTP.Response) {
                let (serve, port) = try fixture.startServe(["--mask-key-file", file, "--alerts-kept", "1000000"])
                defer { serve.terminate(timeout: 30) }
                let stream = try #require(EventStreamClient(port: port, path: "/api/v1/alerts/stream?limit=\(real.count)"))
                let users = try stream.events(count: real.count, timeout: 20).map { event in
                    try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])["user_id"] as! String
                }
                stream.socket.close()
                return (users.sorted(), try #require(RawHTTP.get(port: port, path: "/api/v1/profiles/\(lookup)")))
            }
            let user = fixture.users[0]
            let first = try shown(fileA, user)
            #expect(real.count > 100 && first.users.count == real.count)
            #expect(first.users == (try Self.hmac(keyA, real)).sorted(), "the HMAC-SHA256 of each real id, 20 hex digits")
            #expect(Set(first.users).isDisjoint(with: real))
            let masked = try Self.hmac(keyA, [user])[0]
            let profile = try #require(try JSONSerialization.jsonObject(with: Data(first.profile.body.utf8)) as? [String: Any])
            #expect(first.profile.status == 200 && profile["user_id"] as? String == masked)
            #expect(!first.profile.body.contains(user))

            let again = try shown(fileA, masked)
            #expect(again.users == first.users, "stable across a restart")
            #expect(again.profile.body == first.profile.body, "looked up by the masked id")
            let other = try shown(fileB, user)
            #expect(Set(other.users).isDisjoint(with: first.users), "another key, other ids")
        }

        // MARK: - Forget

        @Test("Forget end to end: the lookup answers 404 and the open dashboard drops the user's alerts once the tombstone is out")
        func forgetEndToEnd() throws {
            let fixture = try ServeFixture.shared()
            let user = fixture.onPage
            let base = "http://127.0.0.1:\(fixture.port)"
            let browser = try HeadlessChromium()
            defer { browser.close() }
            let page = try Dashboard.signedIn(browser, base: base, token: fixture.token)
            let onPage = "[...document.querySelectorAll('#alerts a.user')].some(a => a.textContent === '\(user)')"
            try browser.waitUntil(onPage, session: page)
            try browser.evaluate("""
                (() => { document.getElementById('profile-id').value = '\(user)';
                  document.getElementById('profile-form').requestSubmit(); return true; })()
                """, session: page)
            try browser.waitUntil("document.querySelector('#profile dd[data-field=as_of]') !== null", session: page)
            #expect(try fixture.get("/api/v1/profiles/\(user)").status == 200)
            let stream = try #require(fixture.stream("/api/v1/alerts/stream?limit=0"))

            // The tombstone as a consumer of the profile topic sees it, against the first 404.
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: fixture.pipeline.kafka, groupID: nil))
            try consumer.assign((0..<Int32(PipelineFixture.partitions)).map { p in
                let partition = TopicPartition("revisit.profiles", p)
                return TopicPartitionOffset(partition, offset: try consumer.watermarks(of: partition).high)
            })
            let produced = DispatchSemaphore(value: 0)
            let failure = Mutex<String?>(nil)
            Thread.detachNewThread {
                do { try fixture.forget(user) } catch { failure.withLock { $0 = "\(error)" } }
                produced.signal()
            }
            var tombstoneSeen: Date?
            var notFound: Date?
            let deadline = Date().addingTimeInterval(60)
            while (tombstoneSeen == nil || notFound == nil), Date() < deadline {
                for message in try consumer.poll(timeoutMilliseconds: 10).messages
                where message.key == Array(user.utf8) && message.value.isEmpty && tombstoneSeen == nil {
                    tombstoneSeen = Date()
                }
                if notFound == nil, try fixture.get("/api/v1/profiles/\(user)").status == 404 { notFound = Date() }
            }
            produced.wait()
            if let failure = failure.withLock({ $0 }) { throw FixtureError(failure) }
            let seen = try #require(tombstoneSeen, "no tombstone of \(user) in revisit.profiles")
            let gone = try #require(notFound, "the profile of \(user) is still served")
            // How long after a reader of the topic saw the tombstone (negative: the server saw it first).
            print("forget of \(user): the lookup answered 404 \(Int((gone.timeIntervalSince(seen) * 1000).rounded())) ms after the tombstone was read")

            let forgets = stream.events(count: 1, timeout: 10)
            #expect(forgets.map(\.type) == ["forget"])
            #expect(forgets.first?.data == #"{"user_id":"\#(user)"}"#)
            try browser.waitUntil("!(\(onPage))", session: page)
            try browser.waitUntil("document.querySelector('#profile .missing') !== null", session: page)
            // A new page, after the forget, shows nothing of the user either.
            let fresh = try Dashboard.signedIn(browser, base: base, token: fixture.token)
            try browser.waitUntil("document.querySelectorAll('#alerts li[data-alert-id]').length > 0", session: fresh)
            #expect(try browser.evaluate(onPage, session: fresh) as? Bool == false)
            #expect(try fixture.shownAlerts().allSatisfy { !$0.json.contains(#""user_id":"\#(user)""#) })
            #expect(browser.problems.isEmpty, "\(browser.problems)")
        }

        // MARK: - Headers

        @Test("A header scan with Python's http.client: no server banner, no CORS * and Cache-Control: no-store on what is about users")
        func headerScan() throws {
            let fixture = try ServeFixture.shared()
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/http-header-scan")
            let user = fixture.users[1]
            let paths = ["+/api/v1/profiles/\(user)", "+/api/v1/profiles/no-such-user", "+/api/v1/alerts/stream?limit=1",
                         "/api/v1/status", "/api/v1/daily", "/metrics", "/healthz", "/readyz", "/", "/no/such/page"]
            let scan = try RevisitProcess.run(
                URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, String(fixture.port)] + paths,
                environment: ["REVISIT_SCAN_TOKEN": fixture.token])
            #expect(scan.status == 0, "\(scan.stdout) \(scan.stderr)")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any])
            let responses = try #require(result["responses"] as? [[String: Any]])
            #expect(responses.count == 2 * paths.count)
            let statuses = responses.filter { $0["path"] as? String == "/api/v1/profiles/\(user)" }.map { $0["status"] as? Int }
            #expect(statuses == [401, 200], "without and with the token")
            #expect((result["problems"] as? [String])?.isEmpty == true, "\(result["problems"] ?? "")")
        }

        // MARK: - Helpers

        /// Runs `revisit` with `arguments` and waits for it to end; one still running after
        /// `timeout` seconds (it started when it should not have) is killed and fails the test.
        static func finished(
            _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws -> (status: Int32, stderr: String) {
            let child = try RevisitProcess.Child(arguments, environment: environment)
            guard case .exited(let status) = child.waitForExit(timeout: timeout) else {
                child.kill()
                Issue.record("still running after \(Int(timeout)) s: revisit \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
                return (-1, child.stderr)
            }
            return (status, child.stderr)
        }

        /// `GET path` with `Authorization: Bearer token` (none when nil).
        static func get(_ port: Int, _ path: String, _ token: String?) throws -> RawHTTP.Response {
            let headers = token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
            if path.contains("stream") {
                // The head of a stream that stays open: the first response only.
                let socket = try #require(RawHTTP.Socket(port: port, timeout: 5))
                defer { socket.close() }
                let fields = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
                socket.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(fields)\r\n".utf8))
                return try #require(socket.readResponse(), "\(path)")
            }
            return try #require(RawHTTP.get(port: port, path: path, headers: headers), "\(path)")
        }

        /// The first 20 hex digits of the HMAC-SHA256 of each id under `key`, from Python's hmac.
        static func hmac(_ key: String, _ ids: [String]) throws -> [String] {
            let script = "import hmac,hashlib,sys,json\nkey=sys.stdin.readline().strip().encode()\n"
                + "print(json.dumps([hmac.new(key,i.encode(),hashlib.sha256).hexdigest()[:20] for i in json.loads(sys.stdin.readline())]))"
            let input = key + "\n" + String(decoding: try JSONSerialization.data(withJSONObject: ids), as: UTF8.self) + "\n"
            let output = try RevisitProcess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script], input: Data(input.utf8))
            return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String])
        }
    }
}
