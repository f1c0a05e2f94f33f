import Foundation
import Hummingbird
import Prometheus

/// The endpoints every Revisit HTTP server has: `/metrics` (Prometheus text format),
/// `/healthz` and `/readyz`, each open unless `access` protects it.
public enum ObservabilityRoutes {
    /// Adds the three endpoints to `router`, each behind the tokens `access` gives it.
    public static func add<Context: RequestContext>(
        to router: Router<Context>, health: ProcessHealth, registry: PrometheusCollectorRegistry,
        access: HTTPAccessControl = .open
    ) {
        add(to: router, health: health, registry: registry, via: AccessGuard(control: access, registry: registry))
    }

    static func add<Context: RequestContext>(
        to router: Router<Context>, health: ProcessHealth, registry: PrometheusCollectorRegistry, via access: AccessGuard
    ) {
        access.routes(for: .metrics, on: router).get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        access.routes(for: .healthz, on: router).get("/healthz") { _, _ -> Response in
            let (alive, since) = health.liveness()
            let seconds = Double(since.components.seconds) + Double(since.components.attoseconds) / 1e18
            let limit = Double(health.currentLimit.components.seconds)
            return json(
                alive ? .ok : .serviceUnavailable,
                #"{"status":"\#(alive ? "ok" : "stalled")","seconds_since_progress":\#(String(format: "%.3f", seconds)),"limit_seconds":\#(limit)}"#)
        }
        access.routes(for: .readyz, on: router).get("/readyz") { _, _ -> Response in
            let (ready, reason) = health.readiness
            return json(ready ? .ok : .serviceUnavailable, #"{"status":\#(jsonString(ready ? "ready" : reason))}"#)
        }
    }

    /// A JSON response with `Cache-Control: no-store`.
    public static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// `text` as a JSON string literal.
    public static func jsonString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
