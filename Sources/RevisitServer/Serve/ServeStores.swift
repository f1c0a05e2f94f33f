import RevisitCore
import RevisitKafka

/// What `revisit serve` holds of the output topics: the daily records, the latest profile
/// of each user and the recent alerts, each fed by the messages of its topic.
///
/// A profile tombstone (a `forget`) removes the user's profile and the user's alerts, and the
/// alert feed shows an alert only while its user has a profile that began no later than it.
/// With a ``UserIDMask``, profiles and alerts are held under the masked id, with the ids in
/// their JSON masked: the real ids never reach the HTTP side.
public final class ServeStores: Sendable {
    /// The topic of each store.
    public struct Topics: Sendable, Equatable {
        public var metrics: String
        public var profiles: String
        public var alerts: String

        public init(metrics: String, profiles: String, alerts: String) {
            self.metrics = metrics
            self.profiles = profiles
            self.alerts = alerts
        }

        /// The output topics a pipeline with these names writes.
        public init(_ names: TopicNames) {
            self.init(metrics: names.metrics, profiles: names.profiles, alerts: names.alerts)
        }

        public var all: [String] { [metrics, profiles, alerts] }
    }

    /// Why a message was not applied: where it came from and what is wrong with it.
    public struct SkippedMessage: Error, Sendable, CustomStringConvertible {
        public var topic: String
        public var description: String
    }

    public let topics: Topics
    public let metrics: DailyMetricsStore
    public let profiles: ProfileTable
    public let alerts: AlertFeed
    /// Masks the user ids of profiles and alerts, when set.
    public let mask: UserIDMask?

    public init(topics: Topics, alertsKept: Int = 1000, mask: UserIDMask? = nil) {
        self.topics = topics
        self.mask = mask
        metrics = DailyMetricsStore()
        let profiles = ProfileTable()
        self.profiles = profiles
        // Every alert's user has had a profile since before the alert (SPEC 4, 6): one
        // without, or whose profile began after it (a new life after a forget), is not shown.
        alerts = AlertFeed(capacity: alertsKept) { alert in
            profiles.firstSeen(alert.user).map { $0 <= alert.at } ?? false
        }
    }

    /// The profile of the user `id` names: a masked id when ids are masked (or the real one,
    /// which is masked to look it up), else the user id.
    public func profile(lookingUp id: String) -> [UInt8]? {
        if let profile = profiles.profile(id) { return profile }
        return mask.flatMap { profiles.profile($0.userID(id)) }
    }

    /// Applies one message to the store of its topic (profiles keyed by user id).
    ///
    /// - Throws: ``SkippedMessage`` for a value that is not what its topic holds; the store
    ///   is left as it was, and reading goes on.
    public func apply(_ message: ConsumedMessage, scratch: inout JSONBuffer) throws(SkippedMessage) {
        switch message.topic {
        case topics.profiles:
            guard let key = message.key, !key.isEmpty else {
                throw SkippedMessage(topic: message.topic, description: "\(Self.place(message)): a profile without a key (the user id)")
            }
            let user = String(decoding: key, as: UTF8.self)
            let held = mask?.userID(user) ?? user
            guard !message.value.isEmpty else {
                profiles.remove(held)
                alerts.forget(user: held)
                return
            }
            var value = message.value
            if let mask {
                guard let masked = mask.maskingIDs(in: value) else {
                    throw SkippedMessage(topic: message.topic, description: "\(Self.place(message)): a profile that is not a JSON object")
                }
                value = masked
            }
            value.withUnsafeBytes { profiles.apply(userID: held, value: $0, scratch: &scratch) }
        case topics.metrics:
            do {
                try metrics.apply(
                    key: message.key, value: message.value, partition: Int(message.partition),
                    source: .message(topic: message.topic, partition: Int(message.partition), offset: message.offset))
            } catch {
                throw SkippedMessage(topic: message.topic, description: error.description)
            }
        case topics.alerts:
            do throws(AlertFeed.ReadError) {
                var value = message.value
                if let mask, !value.isEmpty {
                    guard let masked = mask.maskingIDs(in: value) else {
                        throw AlertFeed.ReadError(source: Self.place(message), problem: "not a JSON object")
                    }
                    value = masked
                }
                try alerts.apply(value: value, source: Self.place(message))
            } catch {
                throw SkippedMessage(topic: message.topic, description: error.description)
            }
        default:
            break
        }
    }

    private static func place(_ message: ConsumedMessage) -> String {
        "topic \(message.topic) partition \(message.partition) offset \(message.offset)"
    }
}
