import Foundation
import RevisitKafka
import Testing

@Suite("Outages, injected errors and bad configuration", .serialized)
struct KafkaFailureTests {
    @Test("A broker down for several seconds mid-stream: producer and consumer recover, nothing is lost or written twice")
    func brokerOutage() throws {
        let support = try KafkaTestSupport(topics: ["outage": 4])
        let producer = try support.producer()
        let consumer = try support.consumer(group: "outage")
        try consumer.subscribe(["outage"])
        try KafkaTestSupport.produceSequenced(producer, topic: "outage", count: 5_000, keys: 50)

        var seen: [Int] = []
        var repeatsBeforeLoss = 0
        var partitionsLost = false
        var offsets = ProcessedOffsets()
        // Consumes one batch and commits what it processed. A commit that fails while the
        // broker is away is retried by the next one (offsets are cumulative). An outage longer
        // than the session timeout costs the member its partitions (`lost`); the group then
        // hands them out again from the committed offsets, so consumption is at least once.
        func consumeOnce(timeoutMilliseconds: Int32) throws -> ConsumerBatch {
            let batch = try consumer.poll(timeoutMilliseconds: timeoutMilliseconds)
            for event in batch.rebalances { if case .revoked(_, lost: true) = event { partitionsLost = true } }
            var distinct = Set(seen)
            for message in batch.messages {
                let index = KafkaTestSupport.eventIndex(of: message.value)
                if !distinct.insert(index).inserted, !partitionsLost { repeatsBeforeLoss += 1 }
                seen.append(index)
                offsets.record(message)
            }
            if !batch.messages.isEmpty || !batch.rebalances.isEmpty { try? consumer.commit(offsets.commits()) }
            _ = producer.poll()
            return batch
        }
        func drain(until count: Int, seconds: TimeInterval) throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Set(seen).count < count, Date() < deadline { _ = try consumeOnce(timeoutMilliseconds: 50) }
        }
        try drain(until: 2_500, seconds: 30)

        try support.cluster.setBrokerDown(1)
        // Produce while the broker is away: messages wait in the producer's queue.
        for index in 5_000..<10_000 {
            try producer.send(OutgoingMessage(topic: "outage", key: Array("user-\(index % 50)".utf8),
                                              value: KafkaTestSupport.sequencedValue(index, keys: 50)))
        }
        let downUntil = Date().addingTimeInterval(4)
        var errorsDuringOutage = 0
        while Date() < downUntil {
            errorsDuringOutage += try consumeOnce(timeoutMilliseconds: 100).errors.count
        }
        try support.cluster.setBrokerUp(1)

        let reports = try producer.flush(timeoutMilliseconds: 60_000)
        #expect(reports.allSatisfy { $0.isDelivered })
        try drain(until: 10_000, seconds: 60)
        #expect(Set(seen) == Set(0..<10_000))
        // A message comes twice only after the group took the partitions away.
        #expect(repeatsBeforeLoss == 0)
        // The idempotent producer's retries wrote every message exactly once.
        var stored: Int64 = 0
        for partition in 0..<4 { stored += try consumer.watermarks(of: TopicPartition("outage", Int32(partition))).high }
        #expect(stored == 10_000)
        #expect(errorsDuringOutage > 0, "the outage should have been visible as passing errors")
    }

    @Test("Injected produce and fetch errors are retried: every message arrives once")
    func injectedRequestErrorsAreRetried() throws {
        let support = try KafkaTestSupport(topics: ["flaky": 2])
        support.cluster.failNextRequests(.produce, with: [
            KafkaErrorCode(rawValue: 7), // REQUEST_TIMED_OUT
            KafkaErrorCode(rawValue: 6), // NOT_LEADER_FOR_PARTITION
            KafkaErrorCode(rawValue: 19), // NOT_ENOUGH_REPLICAS
        ])
        support.cluster.failNextRequests(.fetch, with: [KafkaErrorCode(rawValue: 6), KafkaErrorCode(rawValue: 6)])
        let reports = try KafkaTestSupport.produceSequenced(try support.producer(), topic: "flaky", count: 2_000, keys: 20)
        #expect(reports.count == 2_000)
        #expect(reports.allSatisfy { $0.isDelivered })

        let consumer = try support.consumer(group: nil)
        try consumer.assign((0..<2).map { TopicPartitionOffset(TopicPartition("flaky", Int32($0)), offset: TopicPartitionOffset.beginning) })
        var seen: [Int] = []
        let deadline = Date().addingTimeInterval(30)
        while seen.count < 2_000, Date() < deadline {
            seen += try consumer.poll(timeoutMilliseconds: 50).messages.map { KafkaTestSupport.eventIndex(of: $0.value) }
        }
        #expect(seen.count == 2_000)
        #expect(Set(seen).count == 2_000)
    }

    @Test("A topic name librdkafka refuses is an error, not a crash")
    func badTopicNameIsAnError() throws {
        let support = try KafkaTestSupport(topics: [:])
        let producer = try support.producer()
        let name = String(repeating: "t", count: 600)
        let error = #expect(throws: KafkaError.self) { try producer.send(OutgoingMessage(topic: name, key: nil, value: [1])) }
        #expect(error?.topic == name)
        #expect(error?.isRetriable == false)
    }

    @Test("An unknown property fails fast with librdkafka's own message")
    func unknownPropertyFailsFast() throws {
        let kafka = KafkaConfiguration(brokers: "localhost:1", properties: ["no.such.property": "1"])
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: kafka)) }
        #expect(error?.kind == .configuration)
        #expect(error?.description.contains("No such configuration property: \"no.such.property\"") == true)
        #expect(error?.isFatal == true)
    }

    @Test("A wrong value fails fast, naming the property")
    func wrongValueFailsFast() throws {
        let kafka = KafkaConfiguration(brokers: "localhost:1", properties: ["session.timeout.ms": "soon"])
        let error = #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: "g")) }
        #expect(error?.description.contains("session.timeout.ms") == true)
        #expect(error?.description.contains("Invalid value") == true)
    }

    @Test("Secret values never appear in errors or redacted listings")
    func secretsAreRedacted() throws {
        let kafka = KafkaConfiguration(brokers: "localhost:1", properties: [
            "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": "NOT-A-MECHANISM", "sasl.password": "hunter2-secret",
        ])
        let error = #expect(throws: KafkaError.self) { try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: kafka)) }
        #expect(error?.description.contains("hunter2") == false)
        #expect(kafka.redactedProperties["sasl.password"] == "[redacted]")
        #expect(kafka.redactedProperties["security.protocol"] == "SASL_PLAINTEXT")
        #expect(KafkaConfiguration.isSecret("ssl.key.password"))
        #expect(KafkaConfiguration.isSecret("sasl.oauthbearer.client.secret"))
        #expect(!KafkaConfiguration.isSecret("bootstrap.servers"))
    }
}
