import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import RevisitCore
import RevisitKafka
import RevisitServer
import Testing

/// `revisit serve`'s HTTP server with its API behind tokens and `/metrics` behind an
/// operations token: every endpoint without a token, with a wrong one, with each of two.
@Suite("Serve server: every endpoint without a token, with a wrong one, with each of two")
struct ServeAccessTests {
    static let old = "0123456789abcdef0123456789abcdef"
    static let new = "fedcba9876543210fedcba9876543210"
    static let operations = "a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6"

    static let apiPaths = ["/api/v1/status", "/api/v1/daily", "/api/v1/campaigns", "/api/v1/profiles/u1", "/api/v1/alerts/stream"]

    @Test("The API: 401 in JSON without a token or with a wrong one, counted; 200 with either token; the open endpoints stay open")
    func everyEndpoint() async throws {
        let control = try HTTPAccessControl(
            api: AccessTokens(tokens: [Self.old, Self.new]), operations: AccessTokens(tokens: [Self.operations]), protecting: [.metrics])
        try await withServer(control) { get in
            for path in Self.apiPaths {
                let none = try await get(path, nil)
                #expect(none.status == 401, "\(path)")
                #expect(none.headers["www-authenticate"] == #"Bearer realm="revisit""#, "\(path)")
                #expect(none.headers["cache-control"] == "no-store")
                let body = try JSONSerialization.jsonObject(with: Data(none.body.utf8)) as? [String: Any]
                #expect(body?["status"] as? Int == 401 && (body?["error"] as? String)?.contains("bearer token") == true, "\(none.body)")

                for wrong in [Self.operations, Self.old.uppercased(), "Basic \(Self.old)"] {
                    let refused = try await get(path, wrong.hasPrefix("Basic") ? wrong : "Bearer \(wrong)")
                    #expect(refused.status == 401, "\(path) with \(wrong)")
                }
                // The stream never ends: its 200 is seen in the command-line tests.
                guard path != "/api/v1/alerts/stream" else { continue }
                for token in [Self.old, Self.new] {
                    let answered = try await get(path, "Bearer \(token)")
                    #expect(answered.status != 401, "\(path)")
                }
            }
            #expect(try await get("/api/v1/status", "Bearer \(Self.new)").status == 200)
            #expect(try await get("/api/v1/profiles/u1", "bearer \(Self.old)").status == 200)
            #expect(try await get("/api/v1/profiles/nobody", "Bearer \(Self.old)").status == 404)

            // /metrics takes the operations token only; the probes and the page are open.
            #expect(try await get("/metrics", nil).status == 401)
            #expect(try await get("/metrics", "Bearer \(Self.old)").status == 401)
            let metrics = try await get("/metrics", "Bearer \(Self.operations)")
            #expect(metrics.status == 200)
            // Progress just now: /healthz would be 503 after 30 s without, on a loaded machine.
            observability.health.progressed()
            #expect(try await get("/healthz", nil).status == 200)
            #expect(try await get("/readyz", nil).status == 200)
            let page = try await get("/", nil)
            #expect(page.status == 200 && page.body.contains(#"<body data-token="required">"#))

            // A path that is no endpoint is not found, token or not: nothing to protect.
            #expect(try await get("/api/v2/nothing-here", nil).status == 404)

            // Each refusal counted: per path, two without a bearer token (none, Basic), two
            // wrong ones; then /metrics.
            let count = Self.apiPaths.count
            #expect(metrics.body.contains(#"revisit_http_unauthorized_requests_total{endpoint="api",reason="missing"} \#(2 * count)"#), "\(metrics.body)")
            #expect(metrics.body.contains(#"revisit_http_unauthorized_requests_total{endpoint="api",reason="invalid"} \#(2 * count)"#))
            #expect(metrics.body.contains(#"revisit_http_unauthorized_requests_total{endpoint="metrics",reason="missing"} 1"#))
            #expect(metrics.body.contains(#"revisit_http_unauthorized_requests_total{endpoint="metrics",reason="invalid"} 1"#))
        }
    }

    @Test("Without tokens every endpoint is open, and the page does not ask for one")
    func open() async throws {
        try await withServer(.open) { get in
            #expect(try await get("/api/v1/status", nil).status == 200)
            #expect(try await get("/api/v1/profiles/u1", nil).status == 200)
            #expect(try await get("/metrics", nil).status == 200)
            let page = try await get("/", nil)
            #expect(page.status == 200 && page.body.contains("<body>") && !page.body.contains("data-token"))
        }
    }

    typealias Get = (_ path: String, _ authorization: String?) async throws -> (status: Int, body: String, headers: [String: String])

    /// The registry and health of the server of ``withServer(_:_:)``.
    let observability = ProcessObservability()

    /// Runs the server with one profile (`u1`) on a free loopback port while `body` sends GETs.
    private func withServer(_ control: HTTPAccessControl, _ body: (Get) async throws -> Void) async throws {
        let stores = ServeStores(topics: .init(metrics: "m", profiles: "p", alerts: "a"))
        var scratch = JSONBuffer(capacity: 1024)
        try stores.apply(ConsumedMessage(
            topicPartition: TopicPartition("p", 0), offset: 0, timestamp: nil, key: Array("u1".utf8),
            value: Array(#"{"user_id":"u1","first_seen":"2026-01-01T00:00:00.000Z"}"#.utf8)), scratch: &scratch)
        observability.health.setReady(true)
        let (bound, announce) = AsyncStream<HTTPListenAddress>.makeStream()
        let server = ServeServer.application(
            address: HTTPListenAddress(host: "127.0.0.1", port: 0), stores: stores, health: observability.health,
            registry: observability.registry, chartLibrary: ChartLibrary(path: "/nonexistent"), access: control,
            logger: Logger(label: "test")
        ) { address in
            announce.yield(address)
        }
        let running = Task { try await server.run() }
        defer { running.cancel() }
        var iterator = bound.makeAsyncIterator()
        let address = try #require(await iterator.next())
        try await body { path, authorization in
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(address.port)\(path)")!)
            if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
            let (data, response) = try await URLSession.shared.data(for: request)
            let http = response as! HTTPURLResponse
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields { headers["\(name)".lowercased()] = "\(value)" }
            return (http.statusCode, String(decoding: data, as: UTF8.self), headers)
        }
    }
}
