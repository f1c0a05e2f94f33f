import Foundation
import Logging
import RevisitCore
import RevisitKafka

/// Reads the metrics, profile and alert topics from their first message into ``ServeStores``
/// and then follows them, with one consumer outside any group (it commits nothing, so any
/// number of `revisit serve` processes read the same topics, and each starts over after a
/// restart).
///
/// The consumer is not `Sendable` (see the Kafka layer's threading model): create and run a
/// follower on the one thread that polls it.
public final class TopicFollower {
    private let kafka: KafkaConfiguration
    private let stores: ServeStores
    private let health: ProcessHealth
    private let gauges: ServeGauges?
    private let logger: Logger

    /// How often a recurring Kafka error (a broker away) is logged at most.
    private static let errorLogInterval: Duration = .seconds(10)

    public init(kafka: KafkaConfiguration, stores: ServeStores, health: ProcessHealth, gauges: ServeGauges?, logger: Logger) {
        self.kafka = kafka
        self.stores = stores
        self.health = health
        self.gauges = gauges
        self.logger = logger
    }

    /// Reads until `stop` returns true, checked after every poll (at most 200 ms apart).
    ///
    /// - Throws: ``ServeError`` when a topic is missing at start or the client fails fatally.
    ///   Brokers that are away are waited for: librdkafka reconnects by itself.
    public func run(until stop: () -> Bool) throws(ServeError) {
        var configuration = KafkaConsumerConfiguration(kafka: kafka, groupID: nil)
        // Retention may delete the first offsets before they are fetched: start at what is left.
        configuration.autoOffsetReset = .earliest
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        } catch {
            throw ServeError(error)
        }
        defer { try? consumer.close() }
        let bounds = try startBounds(consumer)
        var progress = CatchUpProgress(bounds: bounds)
        do {
            try consumer.assign(bounds.keys.sorted().map { TopicPartitionOffset($0, offset: bounds[$0]!.low) })
        } catch {
            throw ServeError(error)
        }
        let started = ContinuousClock.now
        logger.info("reading \(stores.topics.all.joined(separator: ", ")): \(progress.total) messages up to the end offsets at start")
        var ready = false
        var batch = ConsumerBatch()
        var scratch = JSONBuffer(capacity: 2048)
        var lastErrorLog: ContinuousClock.Instant?
        var skippedTotal = 0
        while !stop() {
            do {
                try consumer.poll(into: &batch, maxMessages: 5_000, timeoutMilliseconds: 200)
            } catch {
                throw ServeError(error)
            }
            health.progressed()
            if let error = batch.errors.first, lastErrorLog.map({ ContinuousClock.now - $0 > Self.errorLogInterval }) ?? true {
                logger.warning("Kafka: \(error) (retrying)")
                lastErrorLog = .now
            }
            var read: [String: Int] = [:]
            var skipped: [String: Int] = [:]
            for message in batch.messages {
                read[message.topic, default: 0] += 1
                do {
                    try stores.apply(message, scratch: &scratch)
                } catch {
                    skipped[message.topic, default: 0] += 1
                    skippedTotal += 1
                    // Enough to see what is wrong without flooding the log with a bad topic.
                    if skippedTotal <= 10 || skippedTotal % 10_000 == 0 {
                        logger.warning("skipped message \(skippedTotal): \(error)")
                    }
                }
                if !ready { progress.read(message.topicPartition, offset: message.offset) }
            }
            if !ready {
                if progress.isCaughtUp {
                    ready = true
                    health.setReady(true)
                    let elapsed = (ContinuousClock.now - started).components
                    let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
                    let counts = stores.profiles.counts
                    logger.info("""
                        caught up in \(String(format: "%.1f", seconds)) s: \(counts.profiles) profiles \
                        (\(counts.verbatim) kept verbatim), \(stores.metrics.recordCount) daily records, \
                        \(stores.alerts.count) recent alerts; following
                        """)
                } else {
                    health.setReady(false, reason: "reading the output topics: \(progress.messagesLeft) messages left")
                }
            }
            if let gauges, !batch.messages.isEmpty || !ready {
                gauges.count(read: read, skipped: skipped)
                gauges.update(stores, catchUpLeft: progress.messagesLeft)
            }
        }
        logger.info("stopped reading")
    }

    /// Every partition of the three topics with its watermarks at start.
    private func startBounds(_ consumer: KafkaConsumer) throws(ServeError) -> [TopicPartition: (low: Int64, high: Int64)] {
        let metadata: [TopicMetadata]
        do {
            metadata = try consumer.topicMetadata()
        } catch {
            throw ServeError(error)
        }
        let topics = Array(Set(stores.topics.all)).sorted()
        let missing = topics.filter { topic in !metadata.contains { $0.name == topic && $0.error == .noError } }
        guard missing.isEmpty else {
            let brokers = kafka.bootstrapServers.joined(separator: ",")
            throw ServeError(
                .topics,
                "\(missing.map { "\"\($0)\"" }.joined(separator: ", ")) \(missing.count == 1 ? "does" : "do") not exist on \(brokers); "
                    + "revisit run creates the output topics when it starts (check topics.* in the pipeline file)",
                topic: missing.first)
        }
        var bounds: [TopicPartition: (low: Int64, high: Int64)] = [:]
        for topic in metadata where topics.contains(topic.name) {
            for partition in 0..<topic.partitionCount {
                let topicPartition = TopicPartition(topic.name, Int32(partition))
                do {
                    bounds[topicPartition] = try consumer.watermarks(of: topicPartition)
                } catch {
                    throw ServeError(error)
                }
            }
        }
        return bounds
    }
}
