import Foundation
import RevisitKafka

/// `revisit bench kafka`: produce and consume rates of the Kafka layer next to kcat's, through
/// the embedded mock cluster, on the same topics in the same run.
///
/// The broker is a `revisit broker` child process of the running executable, which must
/// therefore be `revisit` (unless ``inProcessBroker``). It prints its report on stdout.
public struct KafkaBenchmark: Sendable {
    /// Messages per run (~150-byte keyed JSON).
    public var messages = 1_000_000

    /// Partitions of the benchmark topics.
    public var partitions = 16

    /// Distinct keys.
    public var keys = 100_000

    /// Runs per client and direction; the best one is reported.
    public var runs = 3

    /// kcat binary.
    public var kcat = "kcat"

    /// A phase of the Swift layer measured alone.
    public enum Phase: String, Sendable {
        case produce, consume
    }

    /// Measure only this phase of the Swift layer, without kcat (for profiling).
    public var only: Phase?

    /// Host the mock cluster in this process instead of a `revisit broker` child process.
    public var inProcessBroker = false

    /// The benchmark with its default options, those of `revisit bench kafka`.
    public init() {}

    /// Runs the benchmark and prints its report.
    public func run() throws {
        // One topic per produce run, so runs do not add up in the mock cluster's partitions;
        // the consumers read the first Swift one.
        let topics = (0..<runs).flatMap { run in ["swift", "kcat"].map { "bench.\($0).\(run)" } }
        // By default the broker runs in its own process, as it does for kcat: the Swift
        // clients then do not share their process with it.
        var cluster: MockCluster?
        var broker: BenchBroker?
        let logs = try BenchLogDirectory(label: "kafka")
        var succeeded = false
        // The broker's log stays for a look when the benchmark fails.
        defer {
            broker?.stop()
            if succeeded { logs.removeAfterSuccess() }
        }
        let bootstrap: String
        if inProcessBroker {
            let inProcess = try MockCluster(brokerCount: 1)
            for topic in topics { try inProcess.createTopic(topic, partitions: partitions) }
            cluster = inProcess
            bootstrap = inProcess.bootstrapServers
        } else {
            let started = try BenchBroker(topics: topics.map { ($0, partitions) }, logs: logs)
            (broker, bootstrap) = (started, started.bootstrap)
        }
        defer { withExtendedLifetime(cluster) {} }
        let kafka = KafkaConfiguration(brokers: bootstrap, clientID: "revisit-bench")
        let payloads = (0..<messages).map(message)
        print("Kafka layer benchmark: \(messages) messages of ~\(payloads[0].value.count) bytes, \(partitions) partitions, lz4, idempotent producer")

        switch only {
        case .produce:
            report("produce", "Swift KafkaProducer", try measure { try produce(payloads, topic: "bench.swift.0", kafka: kafka) })
            succeeded = true
            return
        case .consume:
            try produce(payloads, topic: "bench.swift.0", kafka: kafka)
            report("consume", "Swift KafkaConsumer", try measure { try consume(kafka: kafka) })
            succeeded = true
            return
        case nil:
            break
        }

        // MARK: Produce
        var swiftProduce = Double.infinity
        var kcatProduce: Double?
        for run in 0..<runs {
            swiftProduce = min(swiftProduce, try measure { try produce(payloads, topic: "bench.swift.\(run)", kafka: kafka) })
            if let seconds = try kcatProduceSeconds(payloads, topic: "bench.kcat.\(run)", bootstrap: bootstrap) {
                kcatProduce = min(kcatProduce ?? .infinity, seconds)
            }
        }
        report("produce", "Swift KafkaProducer (best of \(runs))", swiftProduce)
        if let kcatProduce { report("produce", "kcat -P (best of \(runs))", kcatProduce) }

        // MARK: Consume
        var swiftConsume = Double.infinity
        var kcatConsume = Double.infinity
        for _ in 0..<runs {
            swiftConsume = min(swiftConsume, try measure { try consume(kafka: kafka) })
            if let seconds = try kcatConsumeSeconds(bootstrap: bootstrap) { kcatConsume = min(kcatConsume, seconds) }
        }
        report("consume", "Swift KafkaConsumer (best of \(runs))", swiftConsume)
        if kcatConsume.isFinite {
            report("consume", "kcat -C -e -o beginning -q (best of \(runs))", kcatConsume)
            print(String(format: "consume ratio Swift/kcat: %.0f%%", 100 * kcatConsume / swiftConsume))
        }
        if let kcatProduce {
            print(String(format: "produce ratio Swift/kcat: %.0f%%", 100 * kcatProduce / swiftProduce))
        }
        succeeded = true
    }

    // MARK: - Swift layer

    private func message(_ index: Int) -> (key: [UInt8], value: [UInt8]) {
        let user = "user-\(index % keys)"
        let ts = 1_700_000_000_000 + Int64(index) * 1_000
        let value = #"{"event_id":"evt-\#(index)","user_id":"\#(user)","type":"page_view","ts":\#(ts),"tz":"Europe/Berlin","channel":"app","props":{"page":"/products/\#(index % 97)","ref":"home"}}"#
        return (Array(user.utf8), Array(value.utf8))
    }

    private func produce(_ payloads: [(key: [UInt8], value: [UInt8])], topic: String, kafka: KafkaConfiguration) throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: kafka))
        var failed = 0
        for (index, payload) in payloads.enumerated() {
            // Serve delivery reports as a real producer loop does, without waiting.
            if index % 1_000 == 0 { failed += producer.poll().filter { !$0.isDelivered }.count }
            var reports: [DeliveryReport] = []
            try producer.send(OutgoingMessage(topic: topic, key: payload.key, value: payload.value), waitingForRoom: &reports)
            failed += reports.filter { !$0.isDelivered }.count
        }
        failed += try producer.flush(timeoutMilliseconds: 120_000).filter { !$0.isDelivered }.count
        guard failed == 0 else { throw BenchmarkFailure("\(failed) messages were not delivered") }
    }

    private func consume(kafka: KafkaConfiguration) throws {
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: nil))
        let topicPartitions = (0..<partitions).map { TopicPartition("bench.swift.0", Int32($0)) }
        try consumer.assign(topicPartitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
        var received = 0
        var bytes = 0
        var batch = ConsumerBatch()
        while received < messages {
            try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 1_000)
            received += batch.messages.count
            for message in batch.messages { bytes &+= message.value.count }
        }
        guard bytes > 0 else { throw BenchmarkFailure("consumed no bytes") }
    }

    // MARK: - kcat

    private func kcatProduceSeconds(_ payloads: [(key: [UInt8], value: [UInt8])], topic: String, bootstrap: String) throws -> Double? {
        let file = NSTemporaryDirectory() + "revisit-bench-kcat-\(getpid()).txt"
        defer { try? FileManager.default.removeItem(atPath: file) }
        var text = [UInt8]()
        text.reserveCapacity(payloads.count * 160)
        for payload in payloads {
            text += payload.key
            text.append(0x09)
            text += payload.value
            text.append(0x0A)
        }
        try Data(text).write(to: URL(fileURLWithPath: file))
        return try runKcat(["-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-z", "lz4",
                            "-X", "enable.idempotence=true", "-X", "linger.ms=5", "-l", file])
    }

    private func kcatConsumeSeconds(bootstrap: String) throws -> Double? {
        try runKcat(["-C", "-b", bootstrap, "-t", "bench.swift.0", "-e", "-o", "beginning", "-q"])
    }

    /// Runs kcat with stdout to /dev/null and returns its wall-clock seconds, or `nil` when
    /// kcat is not installed.
    private func runKcat(_ arguments: [String]) throws -> Double? {
        guard let path = BenchProcesses.executable(named: kcat) else {
            print("kcat not found on PATH: install it (apt-get install kcat) for the comparison")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        process.waitUntilExit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard process.terminationStatus == 0 else { throw BenchmarkFailure("kcat \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)") }
        return seconds
    }

    // MARK: - Reporting

    private func measure(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func report(_ operation: String, _ client: String, _ seconds: Double) {
        print(String(format: "%@ | %@ | %.3f s | %.0f msg/s", operation, client, seconds, Double(messages) / seconds))
    }
}
