import RevisitKafka

/// Reads chosen partitions from a start offset to the end they have when reading begins:
/// what a task taking a partition over reads of the state and output topics.
///
/// ``PartitionRangeReader`` is the one over Kafka; the runtime's test driver reads its own logs.
protocol PartitionLogReading: Sendable {
    /// Reads each partition from its start offset (nil: from its first message; clamped to
    /// the log start) to its end, calling `body` in offset order per partition, and returns
    /// the bounds each partition had when reading began.
    func read(
        _ starts: [TopicPartition: Int64?], _ body: (ConsumedMessage) throws(PipelineError) -> Void
    ) throws(PipelineError) -> [TopicPartition: PartitionRangeReader.Bounds]
}

extension PartitionRangeReader: PartitionLogReading {}
