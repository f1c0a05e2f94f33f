/// How a ``KafkaProducer`` batches, compresses and acknowledges messages.
public struct KafkaProducerConfiguration: Sendable {
    /// Compression codec for message batches.
    public enum Compression: String, Sendable, CaseIterable {
        case none, gzip, snappy, lz4, zstd
    }

    public var kafka: KafkaConfiguration
    /// Batch compression; lz4 by default (fast, and the mock cluster's per-partition size limit
    /// applies to compressed batches).
    public var compression: Compression = .lz4
    /// `enable.idempotence`: no duplicates or reordering from producer retries. On by default.
    public var idempotent = true
    /// `linger.ms`: how long a batch waits to fill up.
    public var lingerMilliseconds = 5
    /// `queue.buffering.max.messages`: messages waiting for delivery before `send` reports
    /// ``KafkaError/Kind/queueFull`` (the caller's signal to apply backpressure). A larger
    /// queue measured slower here: more memory in flight, no more batching.
    public var maxQueuedMessages = 100_000
    /// `message.timeout.ms`: how long librdkafka retries a message before reporting it failed.
    public var deliveryTimeoutMilliseconds = 300_000

    public init(kafka: KafkaConfiguration) {
        self.kafka = kafka
    }

    var librdkafkaProperties: [(String, String)] {
        [
            ("enable.idempotence", idempotent ? "true" : "false"),
            ("compression.codec", compression.rawValue),
            ("linger.ms", String(lingerMilliseconds)),
            ("queue.buffering.max.messages", String(maxQueuedMessages)),
            ("message.timeout.ms", String(deliveryTimeoutMilliseconds)),
            // Kafka's Java clients hash keys with murmur2; users land in the same partitions
            // whichever client produced them.
            ("partitioner", "murmur2_random"),
        ]
    }
}
