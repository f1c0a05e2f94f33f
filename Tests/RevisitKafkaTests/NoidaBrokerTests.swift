import Foundation
import RevisitKafka
import RevisitTestSupport
import Testing

/// What the mock cluster cannot do, on a second Kafka implementation (`noida-db`): topic
/// configs set at creation and described back, offsets-for-times with real offsets, and data
/// and committed offsets that survive a broker restart.
@Suite("Topic configs, offsets-for-times and a restart on noida-db", .serialized)
struct NoidaBrokerTests {
    @Test("Configs set at creation are described back as the topic's own; the rest as the cluster's defaults")
    func createdConfigsAreDescribed() throws {
        let broker = try NoidaBroker()
        let admin = try KafkaAdmin(configuration: broker.kafka)
        let configs = ["cleanup.policy": "compact", "min.compaction.lag.ms": "3600000", "message.timestamp.type": "LogAppendTime"]
        let created = try admin.createTopics([
            NewTopic(name: "revisit.profiles", partitions: 4, configs: configs), NewTopic(name: "plain", partitions: 2),
        ])
        #expect(created == ["revisit.profiles": .created, "plain": .created])
        #expect(try admin.listTopics().first { $0.name == "revisit.profiles" }?.partitionCount == 4)

        let described = try admin.describeTopicConfigs(["revisit.profiles", "plain"])
        let profiles = try #require(described["revisit.profiles"])
        for (name, value) in configs {
            #expect(profiles[name]?.value == value, "\(name)")
            #expect(profiles[name]?.source == .topic && profiles[name]?.isDefault == false, "\(name)")
        }
        let plain = try #require(described["plain"])
        #expect(plain["cleanup.policy"]?.value == "delete" && plain["cleanup.policy"]?.isDefault == true)
        #expect(plain["retention.ms"]?.value == "604800000" && plain["retention.ms"]?.source == .default)

        // A second creation reports the topic as there; an unknown topic cannot be described.
        #expect(try admin.createTopics([NewTopic(name: "plain", partitions: 2)]) == ["plain": .existed])
        #expect {
            _ = try admin.describeTopicConfigs(["no.such.topic"])
        } throws: { error in
            (error as? KafkaError)?.kind == .admin && (error as? KafkaError)?.topic == "no.such.topic"
        }
    }

    @Test("Offsets-for-times answers the first offset at or after the time, and none past the end")
    func offsetsForTimes() throws {
        let broker = try NoidaBroker()
        let admin = try KafkaAdmin(configuration: broker.kafka)
        // Old timestamps would fall to the default seven-day retention at once.
        _ = try admin.createTopics([NewTopic(name: "events", partitions: 2, configs: ["retention.ms": "-1"])])
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: broker.kafka))
        var reports: [DeliveryReport] = []
        for index in 0..<10 {
            try producer.send(OutgoingMessage(
                topic: "events", partition: 1, key: Array("u\(index)".utf8), value: Array("{}".utf8),
                timestamp: 1_700_000_000_000 + Int64(index) * 1_000), waitingForRoom: &reports)
        }
        reports += try producer.flush(timeoutMilliseconds: 10_000)
        #expect(reports.count == 10 && reports.allSatisfy(\.isDelivered))

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: broker.kafka, groupID: nil))
        let partition = TopicPartition("events", 1)
        func offset(at timestamp: Int64) throws -> Int64?? {
            try consumer.offsets(forTimestamp: timestamp, in: [partition])[partition]
        }
        #expect(try offset(at: 1_700_000_004_000) == .some(4))
        #expect(try offset(at: 1_700_000_004_001) == .some(5))
        #expect(try offset(at: 0) == .some(0))
        // Past the last message the broker answers -1: no offset.
        #expect(try offset(at: 1_700_000_010_000) == .some(nil))
    }

    @Test("Messages and a group's committed offsets survive a broker restart")
    func restartKeepsData() throws {
        let broker = try NoidaBroker()
        let admin = try KafkaAdmin(configuration: broker.kafka)
        _ = try admin.createTopics([NewTopic(name: "events", partitions: 1)])
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: broker.kafka))
        var reports: [DeliveryReport] = []
        for index in 0..<5 {
            try producer.send(OutgoingMessage(topic: "events", partition: 0, key: nil, value: Array("m\(index)".utf8)),
                              waitingForRoom: &reports)
        }
        reports += try producer.flush(timeoutMilliseconds: 10_000)
        #expect(reports.count == 5 && reports.allSatisfy(\.isDelivered))
        let partition = TopicPartition("events", 0)
        do {
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: broker.kafka, groupID: "g"))
            try consumer.assign([TopicPartitionOffset(partition, offset: 0)])
            try consumer.commit([TopicPartitionOffset(partition, offset: 3)])
            try consumer.close()
        }
        // Its data is saved within about a second of a change, and at a clean stop.
        broker.stop()
        try broker.restart()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: broker.kafka, groupID: "g"))
        #expect(try consumer.watermarks(of: partition) == (0, 5))
        #expect(try consumer.committed([partition]) == [partition: 3])
        try consumer.assign([TopicPartitionOffset(partition, offset: 3)])
        var values: [String] = []
        let deadline = Date().addingTimeInterval(10)
        while values.count < 2, Date() < deadline {
            values += try consumer.poll(timeoutMilliseconds: 100).messages.map { String(decoding: $0.value, as: UTF8.self) }
        }
        #expect(values == ["m3", "m4"])
        try consumer.close()
    }
}
