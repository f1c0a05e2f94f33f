/// How a ``KafkaConsumer`` joins its group and fetches.
public struct KafkaConsumerConfiguration: Sendable {
    /// Where a partition with no committed offset starts.
    public enum OffsetReset: String, Sendable {
        case earliest, latest, error
    }

    public var kafka: KafkaConfiguration
    /// `group.id`; `nil` for a consumer used only with manual assignment (replays), which
    /// joins no group and commits nothing.
    public var groupID: String?
    public var autoOffsetReset: OffsetReset = .earliest
    /// `session.timeout.ms`: how long the group waits before a silent member's partitions move.
    public var sessionTimeoutMilliseconds = 10_000
    /// `max.poll.interval.ms`: the longest time between two polls before the member is dropped.
    public var maxPollIntervalMilliseconds = 300_000
    /// `queued.max.messages.kbytes`: prefetch memory per consumer, bounding what waits unread.
    public var queuedMaxKilobytes = 65_536
    /// `queued.min.messages`: how many messages librdkafka keeps prefetched. Its threshold is
    /// compared with the consumer's one shared queue, which every assigned partition feeds, so
    /// the default of 100,000 stalls fetching with many partitions (4x lower throughput
    /// measured with 16); memory stays bounded by ``queuedMaxKilobytes``.
    public var prefetchMessages = 1_000_000

    public init(kafka: KafkaConfiguration, groupID: String?) {
        self.kafka = kafka
        self.groupID = groupID
    }

    var librdkafkaProperties: [(String, String)] {
        var properties: [(String, String)] = [
            // Offsets are committed explicitly, after the work they cover is durable.
            ("enable.auto.commit", "false"),
            ("enable.auto.offset.store", "false"),
            ("auto.offset.reset", autoOffsetReset.rawValue),
            ("partition.assignment.strategy", "cooperative-sticky"),
            ("session.timeout.ms", String(sessionTimeoutMilliseconds)),
            ("max.poll.interval.ms", String(maxPollIntervalMilliseconds)),
            ("queued.max.messages.kbytes", String(queuedMaxKilobytes)),
            ("queued.min.messages", String(prefetchMessages)),
        ]
        if let groupID { properties.append(("group.id", groupID)) }
        return properties
    }
}
