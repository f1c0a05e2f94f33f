import Hummingbird
import RevisitCore

/// `GET /api/v1/alerts/stream`: the alert feed as server-sent events.
///
/// The stream starts with up to `limit` (default 100) of the most recent alerts, newest
/// first, then sends each alert as it arrives; `type` (repeatable or comma-separated:
/// `streak_milestone`, `churn_risk_high`, `dormant`, `churned`, `recalled`) keeps those
/// types only. Each event is `event: alert`, `id:` the `alert_id` and `data:` the alert's JSON
/// as the topic holds it. When a user is forgotten, every stream gets `event: forget` with
/// `data: {"user_id": ...}`: the client removes the alerts of that user it shows. A comment
/// line every 15 s keeps proxies from closing a quiet stream and finds clients that have gone.
struct AlertStream: Sendable {
    static let defaultLimit = 100
    static let heartbeat: Duration = .seconds(15)

    let types: Set<String>?
    let limit: Int
    let feed: AlertFeed

    /// Reads `type` and `limit` from the query.
    ///
    /// - Throws: a 400 ``APIError`` for an unknown type or a limit that is not a whole number
    ///   from 0 to the number of alerts kept.
    init(request: Request, feed: AlertFeed) throws(APIError) {
        let query = request.uri.queryParameters
        var types: Set<String>?
        let known = AlertType.allCases.map(\.rawValue)
        for value in query[values: "type"] {
            for name in value.split(separator: ",", omittingEmptySubsequences: true) {
                guard known.contains(String(name)) else {
                    throw APIError(
                        .badRequest, "type takes \(known.joined(separator: ", ")); got \(APIError.shown(name))", parameter: "type")
                }
                types = (types ?? []).union([String(name)])
            }
        }
        var limit = Self.defaultLimit
        if let text = query["limit"] {
            guard let value = Int(text), (0...feed.capacity).contains(value) else {
                throw APIError(
                    .badRequest, "limit takes a whole number from 0 to \(feed.capacity), got \(APIError.shown(text))",
                    parameter: "limit")
            }
            limit = value
        }
        self.types = types
        self.limit = limit
        self.feed = feed
    }

    /// The event stream; it ends when the client goes or the feed closes.
    func response() -> Response {
        let subscription = feed.subscribe(types: types, limit: limit)
        let headers: HTTPFields = [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
            // nginx would otherwise hold events back to fill its buffer.
            .init("X-Accel-Buffering")!: "no",
        ]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
            for alert in subscription.recent { try await writer.write(Self.event(alert)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (chunks, sink) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(feed.subscriberBuffer))
                group.addTask {
                    for await update in subscription.live {
                        switch update {
                        case .alert(let alert): sink.yield(Self.event(alert))
                        case .forgotten(let user): sink.yield(Self.forgetEvent(user))
                        }
                    }
                    sink.finish()
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: Self.heartbeat)
                        sink.yield(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
                // A write to a client that has gone throws, which ends both tasks.
                for await chunk in chunks { try await writer.write(chunk) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }

    /// `event: forget` with the user id as JSON.
    static func forgetEvent(_ user: String) -> ByteBuffer {
        ByteBuffer(string: "event: forget\ndata: {\"user_id\":\(ObservabilityRoutes.jsonString(user))}\n\n")
    }

    static func event(_ alert: AlertFeed.Alert) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(alert.json.count + alert.id.utf8.count + 32)
        // A line break would end the field: none in an id, and in JSON only as whitespace.
        let id = alert.id.filter { $0 != "\n" && $0 != "\r" }
        buffer.writeString("event: alert\nid: \(id)\ndata: ")
        buffer.writeBytes(alert.json.lazy.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 })
        buffer.writeString("\n\n")
        return buffer
    }
}
