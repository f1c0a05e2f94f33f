import Foundation
import RevisitCore
import Synchronization

/// The most recent alerts of the alert topic (SPEC 6), newest first by their `at`, and the
/// live feed of those that arrive: what `GET /api/v1/alerts/stream` sends.
///
/// Only the newest ``capacity`` alerts are kept: the feed is for watching, the topic stays the
/// record. Each subscriber gets a bounded buffer; one that reads more slowly than alerts
/// arrive loses the oldest of its unsent alerts rather than holding memory for them.
public final class AlertFeed: Sendable {
    /// One alert: the fields the feed orders and filters by, and its JSON as the topic holds it.
    public struct Alert: Sendable, Equatable {
        /// The instant of the alert, epoch milliseconds.
        public var at: Int64
        public var id: String
        public var type: String
        public var json: [UInt8]

        /// Whether `self` comes before `other` in newest-first order (ties by id, so that the
        /// order does not depend on arrival).
        func isNewer(than other: Alert) -> Bool {
            at != other.at ? at > other.at : id > other.id
        }
    }

    /// Why a value of the alert topic is not an alert.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var source: String
        public var problem: String
        public var description: String { "\(source): \(problem)" }
    }

    /// The recent alerts to start from, newest first, and the alerts that arrive after them.
    public struct Subscription: Sendable {
        public var recent: [Alert]
        public var live: AsyncStream<Alert>
    }

    /// How many alerts are kept.
    public let capacity: Int
    /// How many unsent alerts a subscriber may have before the oldest are dropped.
    public let subscriberBuffer: Int
    private let state: Mutex<State>

    private struct State {
        /// Oldest first.
        var alerts: [Alert] = []
        var ids: Set<String> = []
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriber = 0
        var isClosed = false
    }

    private struct Subscriber {
        var types: Set<String>?
        var continuation: AsyncStream<Alert>.Continuation
    }

    public init(capacity: Int = 1000, subscriberBuffer: Int = 256) {
        self.capacity = max(1, capacity)
        self.subscriberBuffer = max(1, subscriberBuffer)
        self.state = Mutex(State())
    }

    // MARK: - Applying the topic

    /// Reads one value of the alert topic (`alert_id`, `type` and `at` are needed) and adds it.
    public func apply(value: [UInt8], source: String) throws(ReadError) {
        // A deletion marker: nothing to show.
        guard !value.isEmpty else { return }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any] else {
            throw ReadError(source: source, problem: "not a JSON object")
        }
        guard let id = object["alert_id"] as? String, let type = object["type"] as? String,
              let atText = object["at"] as? String
        else { throw ReadError(source: source, problem: "an alert needs alert_id, type and at (strings)") }
        guard let at = EventTime.parse(atText) else {
            throw ReadError(source: source, problem: "at is \"\(atText)\", not an RFC 3339 time")
        }
        add(Alert(at: at, id: id, type: type, json: value))
    }

    /// Adds an alert unless it is already kept or older than every kept alert of a full feed;
    /// sends it to the subscribers whose filter takes it.
    public func add(_ alert: Alert) {
        state.withLock { state in
            guard !state.ids.contains(alert.id) else { return }
            if state.alerts.count >= capacity, let oldest = state.alerts.first, !alert.isNewer(than: oldest) { return }
            // Alerts mostly arrive in time order: search from the end.
            var index = state.alerts.endIndex
            while index > 0, state.alerts[index - 1].isNewer(than: alert) { index -= 1 }
            state.alerts.insert(alert, at: index)
            state.ids.insert(alert.id)
            if state.alerts.count > capacity {
                state.ids.remove(state.alerts.removeFirst().id)
            }
            for subscriber in state.subscribers.values where subscriber.types?.contains(alert.type) ?? true {
                subscriber.continuation.yield(alert)
            }
        }
    }

    /// Ends every live stream and refuses new ones: open streams would otherwise keep the
    /// HTTP server from stopping.
    public func close() {
        let subscribers = state.withLock { state in
            state.isClosed = true
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish() }
    }

    // MARK: - Reading

    /// Up to `limit` of the kept alerts of `types` (nil: all), newest first.
    public func recent(types: Set<String>? = nil, limit: Int) -> [Alert] {
        state.withLock { Self.recent(in: $0.alerts, types: types, limit: limit) }
    }

    /// The recent alerts of `types` and the live ones after them, with nothing missed or sent
    /// twice between the two. The live stream ends when the caller stops iterating it.
    public func subscribe(types: Set<String>?, limit: Int) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: Alert.self, bufferingPolicy: .bufferingNewest(subscriberBuffer))
        let (recent, number) = state.withLock { state in
            guard !state.isClosed else { return ([Alert](), -1) }
            let number = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[number] = Subscriber(types: types, continuation: continuation)
            return (Self.recent(in: state.alerts, types: types, limit: limit), number)
        }
        guard number >= 0 else {
            continuation.finish()
            return Subscription(recent: [], live: stream)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: number) }
        }
        return Subscription(recent: recent, live: stream)
    }

    /// How many alerts are kept.
    public var count: Int { state.withLock { $0.alerts.count } }

    /// How many live subscribers there are.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    private static func recent(in alerts: [Alert], types: Set<String>?, limit: Int) -> [Alert] {
        var result: [Alert] = []
        for alert in alerts.reversed() where types?.contains(alert.type) ?? true {
            guard result.count < limit else { break }
            result.append(alert)
        }
        return result
    }
}
