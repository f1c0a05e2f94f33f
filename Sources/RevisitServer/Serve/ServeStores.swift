import RevisitCore
import RevisitKafka

/// What `revisit serve` holds of the output topics: the daily records, the latest profile
/// of each user and the recent alerts, each fed by the messages of its topic.
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

    public init(topics: Topics, alertsKept: Int = 1000) {
        self.topics = topics
        metrics = DailyMetricsStore()
        profiles = ProfileTable()
        alerts = AlertFeed(capacity: alertsKept)
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
            message.value.withUnsafeBytes { profiles.apply(userID: user, value: $0, scratch: &scratch) }
        case topics.metrics:
            do {
                try metrics.apply(
                    key: message.key, value: message.value, partition: Int(message.partition),
                    source: .message(topic: message.topic, partition: Int(message.partition), offset: message.offset))
            } catch {
                throw SkippedMessage(topic: message.topic, description: error.description)
            }
        case topics.alerts:
            do {
                try alerts.apply(value: message.value, source: Self.place(message))
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
