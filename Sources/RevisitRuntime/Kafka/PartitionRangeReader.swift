import Foundation
import RevisitKafka

/// Reads chosen partitions from a start offset to the end offsets they have when reading
/// begins, with a consumer outside any group (nothing is committed): what a task taking a
/// partition over reads of the state and output topics, and what `revisit metrics` reads of
/// the metrics topic.
public struct PartitionRangeReader: Sendable {
    /// The offsets a partition had when reading began.
    public struct Bounds: Sendable, Equatable {
        /// The first offset still in the log (retention may have deleted earlier ones).
        public var low: Int64
        /// The offset after the last message when reading began; reading stopped there.
        public var high: Int64
    }

    public var kafka: KafkaConfiguration
    public var clientID: String
    /// How long reading may go without a message while a partition is unfinished.
    public var stallTimeout: TimeInterval = 30
    /// When set, reading gives up (``PipelineError/Kind/interrupted``) once it is requested:
    /// a stopping process does not wait for a cluster that is away.
    var interruption: WaitInterruption?

    public init(kafka: KafkaConfiguration, clientID: String) {
        self.kafka = kafka
        self.clientID = clientID
    }

    /// Reads every partition of `topic` from its first message to its end, calling `body`
    /// in offset order per partition.
    ///
    /// - Throws: ``PipelineError/Kind/topics`` when the topic does not exist.
    public func readAll(
        of topic: String, _ body: (ConsumedMessage) throws(PipelineError) -> Void
    ) throws(PipelineError) -> [TopicPartition: Bounds] {
        let consumer = try makeConsumer()
        let metadata: TopicMetadata?
        do {
            metadata = try consumer.topicMetadata().first { $0.name == topic && $0.error == .noError }
        } catch {
            throw PipelineError(error)
        }
        guard let metadata else {
            throw PipelineError(.topics, "topic \"\(topic)\" does not exist on \(kafka.bootstrapServers.joined(separator: ","))", topic: topic)
        }
        let starts = Dictionary(uniqueKeysWithValues: (0..<metadata.partitionCount).map {
            (TopicPartition(topic, Int32($0)), Int64?.none)
        })
        return try read(starts, with: consumer, body)
    }

    /// Reads each partition from its start offset (nil: from its first message; clamped to the
    /// log start) to its end, calling `body` in offset order per partition.
    public func read(
        _ starts: [TopicPartition: Int64?], _ body: (ConsumedMessage) throws(PipelineError) -> Void
    ) throws(PipelineError) -> [TopicPartition: Bounds] {
        guard !starts.isEmpty else { return [:] }
        return try read(starts, with: try makeConsumer(), body)
    }

    private func makeConsumer() throws(PipelineError) -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(kafka: kafka.withClientID(clientID), groupID: nil)
        configuration.autoOffsetReset = .error
        do {
            return try KafkaConsumer(configuration: configuration)
        } catch {
            throw PipelineError(error)
        }
    }

    private func read(
        _ starts: [TopicPartition: Int64?], with consumer: KafkaConsumer,
        _ body: (ConsumedMessage) throws(PipelineError) -> Void
    ) throws(PipelineError) -> [TopicPartition: Bounds] {
        var bounds: [TopicPartition: Bounds] = [:]
        var positions: [TopicPartitionOffset] = []
        for (partition, start) in starts.sorted(by: { $0.key < $1.key }) {
            let (low, high): (Int64, Int64)
            do {
                (low, high) = try consumer.watermarks(of: partition)
            } catch {
                throw PipelineError(error)
            }
            bounds[partition] = Bounds(low: low, high: high)
            let from = max(start ?? low, low)
            if from < high { positions.append(TopicPartitionOffset(partition, offset: from)) }
        }
        var unfinished = Set(positions.map(\.topicPartition))
        guard !unfinished.isEmpty else { return bounds }
        do {
            try consumer.assign(positions)
        } catch {
            throw PipelineError(error)
        }
        var lastProgress = Date()
        var batch = ConsumerBatch()
        while !unfinished.isEmpty {
            if interruption?.isRequested == true {
                throw PipelineError(.interrupted, "stopping: gave up reading \(unfinished.count) partitions", isRetriable: true)
            }
            do {
                try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 100)
            } catch {
                throw PipelineError(error)
            }
            for message in batch.messages where unfinished.contains(message.topicPartition) {
                let end = bounds[message.topicPartition]!.high
                guard message.offset < end else {
                    unfinished.remove(message.topicPartition)
                    continue
                }
                try body(message)
                if message.offset + 1 >= end { unfinished.remove(message.topicPartition) }
            }
            if !batch.messages.isEmpty {
                lastProgress = Date()
            } else if Date().timeIntervalSince(lastProgress) > stallTimeout {
                let waiting = unfinished.sorted().map(\.description).joined(separator: ", ")
                throw PipelineError(
                    .restoreTimedOut, "no message from \(waiting) for \(Int(stallTimeout)) s; is the cluster reachable?",
                    isRetriable: true)
            }
        }
        return bounds
    }
}

extension KafkaConfiguration {
    /// The same cluster settings under another `client.id`.
    func withClientID(_ clientID: String) -> KafkaConfiguration {
        var copy = self
        copy.clientID = clientID
        return copy
    }
}
