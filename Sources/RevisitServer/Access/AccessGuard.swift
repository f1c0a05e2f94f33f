import Hummingbird
import Prometheus

/// The ``HTTPAccessControl`` of one server: the routes of each endpoint, behind a
/// ``BearerTokenMiddleware`` when it is protected, and the counter of refused requests,
/// `revisit_http_unauthorized_requests_total{endpoint, reason}` (`reason` is `missing` or
/// `invalid`), whose series exist at 0 from the start for every protected endpoint.
///
/// The check is a middleware of the endpoint's routes, so it runs exactly when one of them
/// matched: no path is compared twice, and no spelling of a path gets around it.
struct AccessGuard: Sendable {
    let control: HTTPAccessControl
    private let refused: [HTTPAccessControl.Endpoint: (missing: Counter, invalid: Counter)]

    init(control: HTTPAccessControl, registry: PrometheusCollectorRegistry) {
        self.control = control
        let descriptor = MetricNameDescriptor(
            namespace: "revisit", subsystem: "http", metricName: "unauthorized_requests", unitName: "total",
            helpText: "Requests refused with 401: no bearer token (missing) or one that is not valid (invalid)")
        var refused: [HTTPAccessControl.Endpoint: (missing: Counter, invalid: Counter)] = [:]
        for endpoint in control.tokens.keys {
            func counter(_ reason: String) -> Counter {
                registry.makeCounter(descriptor: descriptor, labels: [("endpoint", endpoint.rawValue), ("reason", reason)])
            }
            refused[endpoint] = (counter("missing"), counter("invalid"))
        }
        self.refused = refused
    }

    /// Where to add the routes of `endpoint`: a group of `router` that checks its tokens
    /// first when it is protected.
    func routes<Context: RequestContext>(for endpoint: HTTPAccessControl.Endpoint, on router: Router<Context>) -> RouterGroup<Context> {
        let group = router.group()
        if let tokens = control.tokens[endpoint], let counters = refused[endpoint] {
            group.add(middleware: BearerTokenMiddleware(tokens: tokens, missing: counters.missing, invalid: counters.invalid))
        }
        return group
    }
}
