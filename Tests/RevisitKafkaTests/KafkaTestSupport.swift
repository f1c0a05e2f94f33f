import Foundation
import RevisitKafka

/// Builds clients against an in-process ``MockCluster``.
struct KafkaTestSupport {
    let cluster: MockCluster

    init(brokers: Int = 1, topics: [String: Int]) throws {
        cluster = try MockCluster(brokerCount: brokers)
        for (name, partitions) in topics { try cluster.createTopic(name, partitions: partitions, replicationFactor: brokers) }
    }

    var kafka: KafkaConfiguration {
        KafkaConfiguration(brokers: cluster.bootstrapServers, properties: ["log_level": "2"])
    }

    func producer(_ adjust: (inout KafkaProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(kafka: kafka)
        adjust(&configuration)
        return try KafkaProducer(configuration: configuration)
    }

    func consumer(group: String?, adjust: (inout KafkaConsumerConfiguration) -> Void = { _ in }) throws -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(kafka: kafka, groupID: group)
        configuration.sessionTimeoutMilliseconds = 6_000
        adjust(&configuration)
        return try KafkaConsumer(configuration: configuration)
    }

    /// Produces `count` keyed messages: key `user-<i % keys>`, value a ~150-byte JSON object
    /// carrying the per-key sequence number, and waits for every delivery report.
    @discardableResult
    static func produceSequenced(
        _ producer: KafkaProducer, topic: String, count: Int, keys: Int, startingAt start: Int = 0,
        timestamp: ((Int) -> Int64)? = nil
    ) throws -> [DeliveryReport] {
        var reports: [DeliveryReport] = []
        for index in start..<(start + count) {
            let message = OutgoingMessage(
                topic: topic, key: Array("user-\(index % keys)".utf8), value: sequencedValue(index, keys: keys),
                timestamp: timestamp?(index))
            try producer.send(message, waitingForRoom: &reports)
        }
        reports += try producer.flush(timeoutMilliseconds: 30_000)
        return reports
    }

    static func sequencedValue(_ index: Int, keys: Int) -> [UInt8] {
        let sequence = index / keys
        let text = #"{"event_id":"e-\#(index)","user_id":"user-\#(index % keys)","type":"page_view","seq":\#(sequence),"ts":1700000000000,"channel":"app"}"#
        return Array(text.utf8)
    }

    /// The per-key sequence number in a value made by ``sequencedValue(_:keys:)``.
    static func sequence(of value: [UInt8]) -> Int {
        let text = String(decoding: value, as: UTF8.self)
        let start = text.range(of: "\"seq\":")!.upperBound
        return Int(text[start...].prefix { $0.isNumber })!
    }

    static func eventIndex(of value: [UInt8]) -> Int {
        let text = String(decoding: value, as: UTF8.self)
        let start = text.range(of: "\"e-")!.upperBound
        return Int(text[start...].prefix { $0.isNumber })!
    }
}

/// Follows what a test consumer processed, so it can commit exactly that.
struct ProcessedOffsets {
    private(set) var next: [TopicPartition: Int64] = [:]

    mutating func record(_ message: ConsumedMessage) {
        next[message.topicPartition] = message.offset + 1
    }

    func commits(for partitions: [TopicPartition]? = nil) -> [TopicPartitionOffset] {
        next.filter { partitions?.contains($0.key) ?? true }
            .map { TopicPartitionOffset($0.key, offset: $0.value) }
            .sorted { $0.topicPartition < $1.topicPartition }
    }
}
