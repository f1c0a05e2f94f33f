import Foundation
import RevisitKafka
import Testing

@Suite("Admin and producer basics on the mock cluster", .serialized)
struct KafkaAdminTests {
    @Test("Topics created on the cluster are listed with their partition counts")
    func listsTopics() throws {
        let support = try KafkaTestSupport(topics: ["events": 16, "revisit.alerts": 4])
        let admin = try KafkaAdmin(configuration: support.kafka)
        let topics = try admin.listTopics()
        #expect(topics.first { $0.name == "events" }?.partitionCount == 16)
        #expect(topics.first { $0.name == "revisit.alerts" }?.partitionCount == 4)
    }

    @Test("CreateTopics on a cluster that cannot answer it ends in a timeout error, not a hang")
    func createTopicsTimesOutClearly() throws {
        let support = try KafkaTestSupport(topics: [:])
        let admin = try KafkaAdmin(configuration: support.kafka)
        do {
            _ = try admin.createTopics([NewTopic(name: "state", partitions: 4, configs: ["cleanup.policy": "compact"])],
                                       timeoutMilliseconds: 1_500)
            // A cluster that can create topics is fine too; then the topic must exist.
            #expect(try admin.listTopics().contains { $0.name == "state" })
        } catch {
            #expect(error.kind == .timeout || error.kind == .admin)
        }
    }

    @Test("Messages keep key, headers, timestamp and an explicit partition")
    func messageRoundTrip() throws {
        let support = try KafkaTestSupport(topics: ["dlq": 4])
        let producer = try support.producer { $0.compression = .zstd }
        try producer.send(OutgoingMessage(
            topic: "dlq", partition: 3, key: Array("u1".utf8), value: Array("{}".utf8),
            headers: [KafkaHeader(name: "revisit.error", string: "not_json"), KafkaHeader(name: "empty", value: nil)],
            timestamp: 1_700_000_000_123))
        try producer.send(OutgoingMessage(topic: "dlq", partition: 3, key: nil, value: nil))
        let reports = try producer.flush(timeoutMilliseconds: 10_000)
        #expect(reports.map(\.topicPartition) == [TopicPartition("dlq", 3), TopicPartition("dlq", 3)])
        #expect(reports.map(\.offset) == [0, 1])

        let consumer = try support.consumer(group: nil)
        try consumer.assign([TopicPartitionOffset(TopicPartition("dlq", 3), offset: TopicPartitionOffset.beginning)])
        var messages: [ConsumedMessage] = []
        let deadline = Date().addingTimeInterval(20)
        while messages.count < 2, Date() < deadline { messages += try consumer.poll(timeoutMilliseconds: 50).messages }
        #expect(messages.count == 2)
        #expect(messages[0].key == Array("u1".utf8))
        #expect(messages[0].timestamp == 1_700_000_000_123)
        #expect(messages[0].headers == [KafkaHeader(name: "revisit.error", string: "not_json"), KafkaHeader(name: "empty", value: nil)])
        #expect(messages[1].key == nil)
        #expect(messages[1].value.isEmpty)
    }

    @Test("Keyed messages land where the replay's murmur2 partitioner puts them")
    func keysHashWithMurmur2() throws {
        let support = try KafkaTestSupport(topics: ["hashed": 16])
        let producer = try support.producer()
        let keys = ["user-1", "user-2", "alice"] + (0..<200).map { "u\($0)" }
        var keyOfMessage: [UInt64: String] = [:]
        for key in keys {
            keyOfMessage[try producer.send(OutgoingMessage(topic: "hashed", key: Array(key.utf8), value: Array("x".utf8)))] = key
        }
        let reports = try producer.flush(timeoutMilliseconds: 10_000)
        #expect(reports.count == keys.count)
        // librdkafka's murmur2_random partitioner and the replay's own murmur2 must agree, so a
        // file replay splits users exactly as Kafka does.
        for report in reports {
            let key = try #require(keyOfMessage[report.messageID])
            #expect(Int(report.topicPartition.partition) == KafkaPartitioner.partition(of: key, count: 16), "key \(key)")
        }
    }
}
