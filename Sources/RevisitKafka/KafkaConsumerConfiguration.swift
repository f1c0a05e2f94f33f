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
    /// `queued.max.messages.kbytes`: prefetch memory per consumer, bounding what waits unread
    /// when messages are large.
    public var queuedMaxKilobytes = 65_536
    /// `queued.min.messages`: how many messages librdkafka keeps prefetched, compared with the
    /// consumer's one queue that every assigned partition feeds. Once the queue holds this
    /// many, librdkafka 2.0.2 stops fetching until its broker thread next wakes, up to a second
    /// later; the consumer wakes it when the queue is half empty (see `FetcherWakeup`), so a
    /// small prefetch costs no throughput and keeps memory low (50,000 events of 120 bytes:
    /// about 20 MB with librdkafka's per-message overhead). Smaller also saves CPU: the
    /// kernel zeroes fewer fresh pages for decompressed batches (on the 2-core benchmark
    /// machine, `revisit run` took about 5% less CPU per event than with 100,000).
    public var prefetchMessages = 50_000
    /// `fetch.wait.max.ms`: how long a broker may hold a fetch that finds nothing new. A real
    /// broker answers as soon as data arrives; librdkafka's mock cluster waits the whole time,
    /// and a partition that starts late then waits with it. 100 ms bounds that wait while an
    /// idle consumer sends at most ten fetches a second per broker.
    public var fetchWaitMaxMilliseconds = 100
    /// Whether a partition the group assigns starts fetching at its log start, read in the
    /// rebalance callback before the assignment, instead of at the group's committed offset,
    /// which librdkafka looks up (or resets with ``autoOffsetReset``) after it.
    ///
    /// For an application that seeks every assigned partition to a start of its own: then
    /// no lookup of librdkafka's is still under way when it seeks. librdkafka 2.0.2 takes the
    /// answer of such a lookup that comes after a seek for a reason to look the offset up
    /// again, half a second later, and fetches nothing for the partition in between. A
    /// partition whose log start cannot be read, and those after it in the assignment, start
    /// at the committed offset.
    public var assignsFromLogStart = false

    /// ``prefetchMessages``, or the `queued.min.messages` of ``kafka``'s properties, which win.
    var effectivePrefetchMessages: Int {
        kafka.properties["queued.min.messages"].flatMap(Int.init) ?? prefetchMessages
    }

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
            ("fetch.wait.max.ms", String(fetchWaitMaxMilliseconds)),
        ]
        if let groupID { properties.append(("group.id", groupID)) }
        return properties
    }
}
