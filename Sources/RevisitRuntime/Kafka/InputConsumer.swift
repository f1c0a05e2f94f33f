import RevisitKafka

/// What the ``PipelineRunner`` needs of its group consumer: poll messages and rebalances,
/// pause, resume and seek partitions, commit offsets, and know a partition's end.
///
/// ``KafkaConsumer`` is the one over Kafka; the runtime's test driver has one over its own
/// logs, with the partitions it assigns and revokes.
protocol InputConsumer: AnyObject {
    func subscribe(_ topics: [String]) throws(KafkaError)

    /// Polls up to `maxMessages` messages, waiting up to `timeoutMilliseconds` for the
    /// first; rebalances and passing errors come in `batch`, the messages through
    /// ``forEachBorrowedMessage(_:)``.
    ///
    /// - Throws: only an error that makes the consumer unusable.
    func pollBorrowing(into batch: inout ConsumerBatch, maxMessages: Int, timeoutMilliseconds: Int32) throws(KafkaError)

    /// Hands the messages of the last poll over, in the order polled.
    func forEachBorrowedMessage(_ body: (BorrowedMessage) -> Void)

    func pause(_ partitions: [TopicPartition]) throws(KafkaError)
    func resume(_ partitions: [TopicPartition]) throws(KafkaError)
    func seek(_ positions: [TopicPartitionOffset], timeoutMilliseconds: Int32) throws(KafkaError)
    func commit(_ offsets: [TopicPartitionOffset], waiting: Bool) throws(KafkaError)

    /// The partition's offsets as the fetcher last saw them, without asking the broker.
    func cachedWatermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)?

    /// Leaves the group.
    func close() throws(KafkaError)
}

extension KafkaConsumer: InputConsumer {}
