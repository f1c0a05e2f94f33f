import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The HTTP server of `revisit serve`: the JSON API (``ServeAPI``), the dashboard
/// (``DashboardRoutes``) and the `/metrics`, `/healthz`, `/readyz` every Revisit process has
/// (``ObservabilityRoutes``), each behind the tokens ``HTTPAccessControl`` gives it.
///
/// It answers from the stores only, never from Kafka, so a slow or hostile client cannot
/// slow the reading of the topics. Failures are JSON errors, methods other than GET are
/// refused, request heads over 80 KiB are refused by the HTTP decoder, and a connection that
/// completes no request within the idle timeout is closed.
public enum ServeServer {
    /// What the clients may hold: an operations team's dashboards keep an alert stream each
    /// open, so more connections than the `/metrics` server of `revisit run` allows.
    public static func defaultLimits() -> ObservabilityServer.Limits {
        var limits = ObservabilityServer.Limits()
        limits.idleTimeout = .seconds(30)
        limits.maxConnections = 4096
        limits.backlog = 1024
        return limits
    }

    /// The application serving everything on `address`. `onListening` is called once the
    /// socket is bound, with the address it is bound to (for port 0, the port chosen).
    public static func application(
        address: HTTPListenAddress, stores: ServeStores, health: ProcessHealth, registry: PrometheusCollectorRegistry,
        chartLibrary: ChartLibrary, limits: ObservabilityServer.Limits = defaultLimits(), access: HTTPAccessControl = .open,
        logger: Logger, onListening: @escaping @Sendable (HTTPListenAddress) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        // First: it applies only to the routes added after it.
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        let guarded = AccessGuard(control: access, registry: registry)
        ObservabilityRoutes.add(to: router, health: health, registry: registry, via: guarded)
        ServeAPI.add(to: router, stores: stores, health: health, via: guarded)
        DashboardRoutes.add(to: router, chartLibrary: chartLibrary, asksForToken: access.isProtected(.api))
        return ObservabilityServer.application(
            router: router, address: address, limits: limits, logger: logger, onListening: onListening)
    }
}
