import Foundation
import RevisitCore
import Synchronization

/// The most recent alerts of the alert topic (SPEC 6), newest first by their `at`, and the
/// live feed of those that arrive: what `GET /api/v1/alerts/stream` sends.
///
/// Only the newest ``capacity`` alerts are kept: the feed is for watching, the topic stays the
/// record. Each subscriber gets a bounded buffer; one that reads more slowly than alerts
/// arrive loses the oldest of its unsent alerts rather than holding memory for them.
///
/// A `forget` ends what the feed shows of a user: ``forget(user:)`` drops the user's alerts and
/// tells every subscriber, so that an open dashboard removes them too; and the feed shows an
/// alert only while ``isShown`` says so (in `revisit serve`: while its user has a profile that
/// began no later than the alert, so alerts from before a `forget` stay hidden whatever order
/// the topics are read in, after a restart too).
public final class AlertFeed: Sendable {
    /// One alert: the fields the feed orders and filters by, and its JSON as the topic holds it.
    public struct Alert: Sendable, Equatable {
        /// The instant of the alert, epoch milliseconds.
        public var at: Int64
        public var id: String
        public var type: String
        /// The user, as the alert's JSON names it.
        public var user: String
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

    /// What a subscriber is told after the recent alerts.
    public enum Update: Sendable, Equatable {
        /// An alert that arrived.
        case alert(Alert)
        /// A user was forgotten: the alerts of the user shown so far are to be removed.
        case forgotten(user: String)
    }

    /// The recent alerts to start from, newest first, and what happens after them.
    public struct Subscription: Sendable {
        public var recent: [Alert]
        public var live: AsyncStream<Update>
    }

    /// How many alerts are kept.
    public let capacity: Int
    /// How many unsent alerts a subscriber may have before the oldest are dropped.
    public let subscriberBuffer: Int
    /// Whether an alert may be shown now.
    public let isShown: @Sendable (Alert) -> Bool
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
        var continuation: AsyncStream<Update>.Continuation
    }

    /// A feed of the newest `capacity` alerts that shows those `isShown` takes (by default all).
    public init(capacity: Int = 1000, subscriberBuffer: Int = 256, isShown: @escaping @Sendable (Alert) -> Bool = { _ in true }) {
        self.capacity = max(1, capacity)
        self.subscriberBuffer = max(1, subscriberBuffer)
        self.isShown = isShown
        self.state = Mutex(State())
    }

    // MARK: - Applying the topic

    /// Reads one value of the alert topic (`alert_id`, `user_id`, `type` and `at` are needed)
    /// and adds it.
    public func apply(value: [UInt8], source: String) throws(ReadError) {
        // A deletion marker: nothing to show.
        guard !value.isEmpty else { return }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any] else {
            throw ReadError(source: source, problem: "not a JSON object")
        }
        guard let id = object["alert_id"] as? String, let user = object["user_id"] as? String,
              let type = object["type"] as? String, let atText = object["at"] as? String
        else { throw ReadError(source: source, problem: "an alert needs alert_id, user_id, type and at (strings)") }
        guard let at = EventTime.parse(atText) else {
            throw ReadError(source: source, problem: "at is \"\(atText)\", not an RFC 3339 time")
        }
        add(Alert(at: at, id: id, type: type, user: user, json: value))
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
            guard !state.subscribers.isEmpty, isShown(alert) else { return }
            for subscriber in state.subscribers.values where subscriber.types?.contains(alert.type) ?? true {
                subscriber.continuation.yield(.alert(alert))
            }
        }
    }

    /// Drops the alerts of `user` and tells every subscriber to remove those it has shown
    /// (a `forget`, SPEC 1).
    public func forget(user: String) {
        state.withLock { state in
            let dropped = state.alerts.filter { $0.user == user }
            guard !dropped.isEmpty || !state.subscribers.isEmpty else { return }
            state.alerts.removeAll { $0.user == user }
            for alert in dropped { state.ids.remove(alert.id) }
            for subscriber in state.subscribers.values { subscriber.continuation.yield(.forgotten(user: user)) }
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

    /// Up to `limit` of the kept alerts of `types` (nil: all) that may be shown, newest first.
    public func recent(types: Set<String>? = nil, limit: Int) -> [Alert] {
        state.withLock { self.recent(in: $0.alerts, types: types, limit: limit) }
    }

    /// The recent alerts of `types` and the live ones after them, with nothing missed or sent
    /// twice between the two. The live stream ends when the caller stops iterating it.
    public func subscribe(types: Set<String>?, limit: Int) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: Update.self, bufferingPolicy: .bufferingNewest(subscriberBuffer))
        let (recent, number) = state.withLock { state in
            guard !state.isClosed else { return ([Alert](), -1) }
            let number = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[number] = Subscriber(types: types, continuation: continuation)
            return (self.recent(in: state.alerts, types: types, limit: limit), number)
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

    private func recent(in alerts: [Alert], types: Set<String>?, limit: Int) -> [Alert] {
        var result: [Alert] = []
        for alert in alerts.reversed() where (types?.contains(alert.type) ?? true) && isShown(alert) {
            guard result.count < limit else { break }
            result.append(alert)
        }
        return result
    }
}
