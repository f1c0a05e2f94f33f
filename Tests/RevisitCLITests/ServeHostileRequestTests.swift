import Foundation
import Testing

extension ServeTests {
    @Suite("Hostile requests: errors, never a crash")
    struct Hostile {
        @Test("Unknown paths, bad dates and parameters, other methods and garbage get 4xx errors, in JSON from the API")
        func badRequests() throws {
            let fixture = try ServeFixture.shared()
            let cases: [(path: String, status: Int, parameter: String?)] = [
                ("/no/such/page", 404, nil),
                ("/api/v2/daily", 404, nil),
                ("/api/v1/daily?from=2024-13-01", 400, "from"),
                ("/api/v1/daily?to=yesterday", 400, "to"),
                ("/api/v1/daily?from=2026-02-01&to=2026-01-01", 400, "from"),
                ("/api/v1/daily?from=2026-01-01&from=2026-01-02", 400, "from"),
                ("/api/v1/campaigns?to=2026-02-30", 400, "to"),
                ("/api/v1/campaigns?from=%00%FF", 400, "from"),
                ("/api/v1/alerts/stream?type=bogus", 400, "type"),
                ("/api/v1/alerts/stream?limit=-1", 400, "limit"),
                ("/api/v1/alerts/stream?limit=99999999999999999999", 400, "limit"),
                ("/api/v1/profiles/%FF%FE", 400, nil),
                ("/api/v1/profiles/%", 400, nil),
                ("/api/v1/profiles/" + String(repeating: "x", count: 300), 400, nil),
            ]
            for (path, status, parameter) in cases {
                let response = try fixture.get(path)
                #expect(response.status == status, "\(path): \(response.body)")
                let body = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
                #expect((body?["error"] as? String)?.isEmpty == false, "\(path): \(response.body)")
                #expect(body?["status"] as? Int == status)
                #expect(body?["parameter"] as? String == parameter, "\(path)")
            }
            for method in ["POST", "PUT", "DELETE"] {
                let response = RawHTTP.request(
                    port: fixture.port, Array("\(method) /api/v1/daily HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".utf8))
                #expect(response?.status == 405, "\(method)")
                #expect(response?.body.contains("read-only") == true)
            }
            let garbage = RawHTTP.request(port: fixture.port, [0x00, 0xFF, 0x13, 0x37] + Array(" NOT HTTP\r\n\r\n".utf8))
            #expect(garbage == nil || garbage!.status == 400)
            try Self.expectAlive(fixture)
        }

        @Test("A 10 MB URL and a 10 MB header are refused")
        func hugeRequests() throws {
            let fixture = try ServeFixture.shared()
            let long = String(repeating: "A", count: 10 << 20)
            for request in [
                "GET /api/v1/daily?from=\(long) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /api/v1/\(long) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Filler: \(long)\r\nConnection: close\r\n\r\n",
            ] {
                let response = RawHTTP.request(port: fixture.port, Array(request.utf8), timeout: 20)
                // Refused with a status, or with the connection closed before all of it was read.
                #expect(response == nil || (400..<500).contains(response!.status), "\(response.map { "\($0.status)" } ?? "closed")")
            }
            try Self.expectAlive(fixture)
        }

        @Test("1,000 connections open at once, each an alert stream, are all served; a request besides them too")
        func thousandConnections() throws {
            let fixture = try ServeFixture.shared()
            Self.raiseOpenFileLimit()
            // Streams stay open: the server holds all 1,000 connections at the same time.
            var streams: [EventStreamClient] = []
            for _ in 0..<1_000 {
                streams.append(try #require(fixture.stream("/api/v1/alerts/stream?limit=1")))
            }
            let deadline = Date().addingTimeInterval(60)
            let served = streams.filter { $0.events(count: 1, timeout: max(0, deadline.timeIntervalSinceNow)).count == 1 }.count
            #expect(served == 1_000, "\(served) of 1,000 streams got their first alert")
            let status = try JSONSerialization.jsonObject(with: Data(try fixture.get("/api/v1/status").body.utf8)) as? [String: Any]
            #expect(status?["alert_streams"] as? Int ?? 0 >= 1_000)
            for stream in streams { stream.socket.close() }
            try Self.expectAlive(fixture)
        }

        @Test("Slow clients: stalled requests do not hold others up and are closed after the idle timeout; unread streams hold nothing up")
        func slowClients() throws {
            let fixture = try ServeFixture.shared()
            // Requests that stop halfway through their head, and alert streams never read.
            var stalled: [RawHTTP.Socket] = []
            for _ in 0..<200 {
                let socket = try #require(RawHTTP.Socket(port: fixture.port, timeout: 10))
                #expect(socket.send(Array("GET /api/v1/daily HTTP/1.1\r\nHost: 127".utf8)))
                stalled.append(socket)
            }
            var unread: [RawHTTP.Socket] = []
            for _ in 0..<20 {
                let socket = try #require(RawHTTP.Socket(port: fixture.port, timeout: 10))
                #expect(socket.send(Array("GET /api/v1/alerts/stream?limit=2000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(fixture.token)\r\n\r\n".utf8)))
                unread.append(socket)
            }
            // A byte every 100 ms: still a client that completes its request.
            let trickled = try #require(RawHTTP.Socket(port: fixture.port, timeout: 10))
            for byte in Array("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8) {
                #expect(trickled.send([byte]))
                Thread.sleep(forTimeInterval: 0.01)
            }
            #expect(RawHTTP.parse(trickled.readToEnd())?.status == 200)

            let started = Date()
            #expect(try fixture.get("/api/v1/daily").status == 200)
            #expect(Date().timeIntervalSince(started) < 5, "a request behind 200 stalled ones")
            // The server was started with --idle-timeout 2: each is closed within a few seconds.
            let deadline = Date().addingTimeInterval(7.5)
            let closed = stalled.filter { $0.peerClosed(within: max(0.01, deadline.timeIntervalSinceNow)) }.count
            #expect(closed == stalled.count, "\(closed) of \(stalled.count) stalled connections closed")
            for socket in stalled + unread { socket.close() }
            try Self.expectAlive(fixture)
        }

        /// The server still runs and answers.
        static func expectAlive(_ fixture: ServeFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(fixture.serve.isRunning, "revisit serve exited: \(fixture.serve.stderr.suffix(2_000))", sourceLocation: sourceLocation)
            #expect(try fixture.get("/healthz").status == 200, sourceLocation: sourceLocation)
            #expect(try fixture.get("/api/v1/status").status == 200, sourceLocation: sourceLocation)
        }

        /// Lets this process hold the 1,000 connections and more (soft limit to the hard one).
        static func raiseOpenFileLimit() {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
