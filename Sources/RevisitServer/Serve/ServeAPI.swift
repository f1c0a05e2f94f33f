import Foundation
import Hummingbird
import Prometheus
import RevisitCore

/// The JSON API of `revisit serve`, read-only, under `/api/v1/`:
///
/// - `GET /api/v1/daily?from=&to=`: the days of the range, each the sum of its partition
///   records with the rates, as the objects of `revisit metrics --format json`;
/// - `GET /api/v1/campaigns?from=&to=`: the win-back campaigns over the range, as the objects
///   of `revisit metrics --campaigns --format json`;
/// - `GET /api/v1/profiles/{user_id}`: the user's latest profile as the profile topic holds
///   it; 404 when the user is unknown or forgotten;
/// - `GET /api/v1/alerts/stream?type=&limit=`: server-sent events (``AlertStream``);
/// - `GET /api/v1/status`: readiness, the range of days held and the sizes of the stores.
///
/// Every route is behind the API's tokens when access control gives it some.
public enum ServeAPI {
    /// The prefix of profile paths; the rest of the path is the user id, percent-encoded.
    static let profilePrefix = "/api/v1/profiles/"

    /// Adds the API's routes to `router`, behind the tokens `access` gives ``HTTPAccessControl/Endpoint/api``.
    public static func add<Context: RequestContext>(
        to router: Router<Context>, stores: ServeStores, health: ProcessHealth, registry: PrometheusCollectorRegistry,
        access: HTTPAccessControl = .open
    ) {
        add(to: router, stores: stores, health: health, via: AccessGuard(control: access, registry: registry))
    }

    static func add<Context: RequestContext>(
        to router: Router<Context>, stores: ServeStores, health: ProcessHealth, via access: AccessGuard
    ) {
        let router = access.routes(for: .api, on: router)
        router.get("/api/v1/daily") { request, _ -> Response in
            let range = try DateRangeQuery(request)
            let report = stores.metrics.report(from: range.from, to: range.to)
            return ObservabilityRoutes.json(.ok, jsonArray(lines: report.jsonLines()))
        }
        router.get("/api/v1/campaigns") { request, _ -> Response in
            let range = try DateRangeQuery(request)
            let evaluation = CampaignEvaluation(report: stores.metrics.report(from: range.from, to: range.to))
            return ObservabilityRoutes.json(.ok, jsonArray(lines: evaluation.jsonLines()))
        }
        router.get("/api/v1/profiles/**") { request, _ -> Response in
            let user = try userID(inPath: request.uri.path)
            guard let profile = stores.profile(lookingUp: user) else {
                throw APIError(.notFound, "no profile of user \(APIError.shown(user)): unknown, or forgotten")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: profile)))
        }
        router.get("/api/v1/alerts/stream") { request, _ -> Response in
            try AlertStream(request: request, feed: stores.alerts).response()
        }
        router.get("/api/v1/status") { _, _ -> Response in
            ObservabilityRoutes.json(.ok, status(stores, health))
        }
    }

    // MARK: - Bodies

    /// JSON lines as one JSON array.
    static func jsonArray(lines: String) -> String {
        "[" + lines.split(separator: "\n").joined(separator: ",") + "]"
    }

    private static func status(_ stores: ServeStores, _ health: ProcessHealth) -> String {
        let (ready, reason) = health.readiness
        let range = stores.metrics.dateRange
        let counts = stores.profiles.counts
        func date(_ day: Int64?) -> String { day.map { "\"\(EventTime.formatDate($0))\"" } ?? "null" }
        return #"{"ready":\#(ready),"status":\#(ObservabilityRoutes.jsonString(reason)),"#
            + #""first_day":\#(date(range?.lowerBound)),"last_day":\#(date(range?.upperBound)),"#
            + #""profiles":\#(counts.profiles),"daily_records":\#(stores.metrics.recordCount),"#
            + #""alerts_kept":\#(stores.alerts.count),"alert_streams":\#(stores.alerts.subscriberCount)}"#
    }

    // MARK: - Profile paths

    /// The user id of a profile path: what follows the prefix, percent-decoded (so an id
    /// with `/` or spaces can be asked for).
    ///
    /// - Throws: a 400 ``APIError`` for an empty id, an id longer than SPEC 1 allows, or a
    ///   path that does not decode to UTF-8.
    static func userID(inPath path: String) throws(APIError) -> String {
        let encoded = path.hasPrefix(profilePrefix) ? String(path.dropFirst(profilePrefix.count)) : ""
        guard !encoded.isEmpty else {
            throw APIError(.badRequest, "the path needs a user id: /api/v1/profiles/{user_id}")
        }
        guard let user = encoded.removingPercentEncoding, !user.isEmpty else {
            throw APIError(.badRequest, "the user id in the path is not percent-encoded UTF-8: \(APIError.shown(encoded))")
        }
        // SPEC 1: a user id has 1-256 bytes; no longer one can have a profile.
        guard user.utf8.count <= 256 else {
            throw APIError(.badRequest, "a user id has at most 256 bytes; this one has \(user.utf8.count)")
        }
        return user
    }
}
