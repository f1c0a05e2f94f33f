import Hummingbird
import Logging
import NIOCore
import Prometheus

/// The HTTP server of a process's `/metrics`, `/healthz` and `/readyz`
/// (``ObservabilityRoutes``), made to run beside the process's own work.
///
/// It answers from what the work publishes (a registry, a ``ProcessHealth``), never by
/// asking the work anything, so a scrape cannot slow or block it. The limits keep hostile
/// or broken clients from holding the server: a connection that completes no request within
/// ``Limits/idleTimeout`` is closed (a slow client trickling a request included), at most
/// ``Limits/maxConnections`` are served at once, and request heads over 80 KiB are refused.
public enum ObservabilityServer {
    /// What one server lets its clients hold.
    public struct Limits: Sendable {
        /// A connection without a complete request (or idle between requests) this long is closed.
        public var idleTimeout: Duration = .seconds(10)
        /// Connections served at once; more wait in the listen backlog.
        public var maxConnections = 256
        /// Connections the kernel queues while ``maxConnections`` are served.
        public var backlog = 256

        public init() {}
    }

    /// The application serving the three endpoints on `address`, each behind the tokens
    /// `access` gives it. `onListening` is called once the socket is bound, with the address
    /// it is bound to (for port 0, the port the system chose).
    public static func application(
        address: HTTPListenAddress, health: ProcessHealth, registry: PrometheusCollectorRegistry, limits: Limits = Limits(),
        access: HTTPAccessControl = .open, logger: Logger,
        onListening: @escaping @Sendable (HTTPListenAddress) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        ObservabilityRoutes.add(to: router, health: health, registry: registry, access: access)
        return application(router: router, address: address, limits: limits, logger: logger, onListening: onListening)
    }

    /// The application serving `router` on `address` within `limits`: what every Revisit
    /// HTTP server shares. `onListening` is called once the socket is bound, with the
    /// address it is bound to.
    public static func application(
        router: Router<BasicRequestContext>, address: HTTPListenAddress, limits: Limits, logger: Logger,
        onListening: @escaping @Sendable (HTTPListenAddress) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: TimeAmount(limits.idleTimeout))),
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: nil, backlog: limits.backlog,
                availableConnectionsDelegate: .maximum(limits.maxConnections, logger: logger)),
            onServerRunning: { channel in
                let bound = channel.localAddress.flatMap { local in local.port.map { (local.ipAddress ?? address.host, $0) } }
                await onListening(bound.map { HTTPListenAddress(host: $0.0, port: $0.1) } ?? address)
            },
            logger: logger)
    }
}
