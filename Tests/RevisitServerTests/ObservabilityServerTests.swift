import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import RevisitServer
import Testing

/// The HTTP server of a process's `/metrics`, `/healthz` and `/readyz`, on a loopback port
/// the system chooses.
@Suite("Observability server: the endpoints over HTTP")
struct ObservabilityServerTests {
    @Test("/readyz follows readiness with its reason, /healthz the loop's progress and a long step's allowance, /metrics the registry")
    func endpoints() async throws {
        // Progress is reported at chosen instants, so no answer depends on how fast a loaded
        // machine serves the request.
        let observability = ProcessObservability(stallLimit: .seconds(30))
        try await withServer(observability) { get in
            var (status, body) = try await get("/readyz")
            #expect(status == 503)
            #expect(body == #"{"status":"starting"}"#)
            observability.health.setReady(false, reason: "restoring partitions [1, 2]")
            (status, body) = try await get("/readyz")
            #expect(status == 503 && body.contains("restoring partitions [1, 2]"))
            observability.health.setReady(true, reason: "")
            (status, body) = try await get("/readyz")
            #expect(status == 200 && body == #"{"status":"ready"}"#)

            observability.health.progressed(at: .now, nextWithin: nil)
            (status, body) = try await get("/healthz")
            #expect(status == 200 && body.contains(#""status":"ok""#))
            observability.health.progressed(at: .now - .seconds(31), nextWithin: nil)
            (status, body) = try await get("/healthz")
            #expect(status == 503 && body.contains(#""status":"stalled""#))
            // A long step (a restore) is allowed its own bound.
            observability.health.progressed(at: .now - .seconds(31), nextWithin: .seconds(60))
            (status, body) = try await get("/healthz")
            #expect(status == 200 && body.contains(#""limit_seconds":60"#))

            (status, body) = try await get("/metrics")
            #expect(status == 200)
            (status, _) = try await get("/no-such-page")
            #expect(status == 404)
        }
    }

    @Test("HOST:PORT addresses, IPv6 in brackets, a port alone on 127.0.0.1; anything else is refused with what to write")
    func listenAddresses() throws {
        #expect(try HTTPListenAddress(parsing: "127.0.0.1:9400") == HTTPListenAddress(host: "127.0.0.1", port: 9400))
        #expect(try HTTPListenAddress(parsing: "[::]:0") == HTTPListenAddress(host: "::", port: 0))
        #expect(try HTTPListenAddress(parsing: "[::1]:80").description == "[::1]:80")
        #expect(try HTTPListenAddress(parsing: "9400") == HTTPListenAddress(host: "127.0.0.1", port: 9400))
        #expect(try HTTPListenAddress(parsing: "0") == HTTPListenAddress(host: "127.0.0.1", port: 0))
        for bad in ["65536", ":9400", "::1:80", "host:", "host:65536", "host:-1", "[::1:80", "host:port", "-1", ""] {
            #expect(throws: HTTPListenAddressError.self, "\(bad)") { try HTTPListenAddress(parsing: bad) }
        }
    }

    @Test("Loopback: localhost, 127.0.0.0/8 and ::1; every other address reaches beyond this host")
    func loopback() throws {
        for address in ["127.0.0.1:80", "127.1.2.3:80", "localhost:80", "LOCALHOST:80", "[::1]:80", "8080"] {
            #expect(try HTTPListenAddress(parsing: address).isLoopback, "\(address)")
        }
        for address in ["0.0.0.0:80", "[::]:80", "10.0.0.1:80", "192.168.1.2:80", "example.com:80", "127.0.0.1.example.com:80",
                        "128.0.0.1:80", "127.0.0.256:80", "[::2]:80"] {
            #expect(try !HTTPListenAddress(parsing: address).isLoopback, "\(address)")
        }
    }

    /// Runs the server on a free loopback port while `body` sends GETs to it.
    private func withServer(
        _ observability: ProcessObservability, _ body: (_ get: (String) async throws -> (Int, String)) async throws -> Void
    ) async throws {
        let (bound, announce) = AsyncStream<HTTPListenAddress>.makeStream()
        let server = ObservabilityServer.application(
            address: HTTPListenAddress(host: "127.0.0.1", port: 0), health: observability.health,
            registry: observability.registry, logger: Logger(label: "test")
        ) { address in
            announce.yield(address)
        }
        let running = Task { try await server.run() }
        defer { running.cancel() }
        var iterator = bound.makeAsyncIterator()
        let address = try #require(await iterator.next())
        #expect(address.port > 0)
        try await body { path in
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(address.port)\(path)")!)
            return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
        }
    }
}
