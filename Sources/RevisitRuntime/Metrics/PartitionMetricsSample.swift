import RevisitCore

/// What one task publishes at a time: the input outcomes it counted since its previous
/// sample, and its state now.
public struct PartitionMetricsSample: Sendable, Equatable {
    public var partition: Int32
    /// Input outcomes counted since the task's previous sample (a new task starts from the
    /// counters it restored, so a restore adds nothing here).
    public var counted: ProcessorCounters
    public var users: Int
    public var openSessions: Int
    public var bufferedEvents: Int
    /// The event-time watermark in epoch milliseconds; nil before the partition's first event.
    public var watermark: Int64?
    /// Messages from the task's next offset to the partition's high watermark; nil while
    /// the consumer has not seen the high watermark yet.
    public var lag: Int64?

    public init(
        partition: Int32, counted: ProcessorCounters = ProcessorCounters(), users: Int = 0, openSessions: Int = 0,
        bufferedEvents: Int = 0, watermark: Int64? = nil, lag: Int64? = nil
    ) {
        self.partition = partition
        self.counted = counted
        self.users = users
        self.openSessions = openSessions
        self.bufferedEvents = bufferedEvents
        self.watermark = watermark
        self.lag = lag
    }
}
