import RevisitKafka

/// Sends generated events with `KafkaProducer` (lz4, idempotent), keyed by user id so that
/// Kafka's murmur2 partitioner places each user in one partition, as a real producer would.
enum BenchEventProducer {
    /// What a bulk send did.
    struct Sent {
        var messages = 0
        var bytes = 0
        var seconds = 0.0
    }

    /// Sends every planned event to `topic` in arrival order and waits for all to be
    /// acknowledged.
    static func send(_ traffic: PipelineTraffic, topic: String, bootstrap: String) throws -> Sent {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            kafka: KafkaConfiguration(brokers: bootstrap, clientID: "revisit-bench-producer")))
        var sent = Sent()
        var failed = 0
        var reports: [DeliveryReport] = []
        let start = BenchProcesses.now
        for event in traffic.events {
            if sent.messages % 1_000 == 0 { failed += producer.poll().filter { !$0.isDelivered }.count }
            let value = traffic.line(event)
            sent.bytes += value.count
            try producer.send(
                OutgoingMessage(topic: topic, key: Array(PipelineTraffic.userID(event.user).utf8), value: value),
                waitingForRoom: &reports)
            failed += reports.filter { !$0.isDelivered }.count
            reports.removeAll(keepingCapacity: true)
            sent.messages += 1
        }
        failed += try producer.flush(timeoutMilliseconds: 120_000).filter { !$0.isDelivered }.count
        sent.seconds = BenchProcesses.now - start
        guard failed == 0 else { throw BenchmarkFailure("\(failed) of \(sent.messages) events to \(topic) were not delivered") }
        return sent
    }
}
