import Foundation
import Logging
import RevisitCore
import RevisitKafka
import Synchronization
import Testing
@testable import RevisitRuntime

/// Runs a ``PipelineRunner`` in the test's own thread, in the manner of Kafka Streams'
/// `TopologyTestDriver`: the test feeds input messages, moves the clock, assigns, revokes
/// and loses partitions, fails deliveries or stops the cluster acknowledging, and reads
/// back the output topics, the checkpoints in the state topic and the committed offsets.
///
/// The runner is the real one with its real writer thread; only its clock and clients are
/// the driver's (``RuntimeEnvironment``). Between the test's steps the driver runs rounds
/// of the runner's loop until a condition holds ("until every output is written"), with a
/// deadline on the real clock, never for a fixed time.
final class RuntimeTestDriver {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    let logs = DriverLogs()
    let clock = ManualClock(RuntimeTestDriver.start)
    let configuration: PipelineRunnerConfiguration
    let partitions: Int
    private(set) var runner: PipelineRunner!
    private(set) var consumer: DriverConsumer!
    private let stop = StopRequest()
    private(set) var stopped = false
    /// Messages a test logged through the runner's logger, for checks on what it says.
    let log = LogCapture()

    /// A driver of a pipeline with `partitions` input partitions; `configure` adjusts the
    /// runner's settings (checkpoint interval, queue limit...).
    init(partitions: Int = 2, configure: (inout PipelineRunnerConfiguration) -> Void = { _ in }) {
        self.partitions = partitions
        var pipeline = PipelineConfiguration()
        pipeline.applicationID = "driver"
        // Silent partitions follow the clock only in the tests that ask for it: a test that
        // moves the clock to make checkpoints due would otherwise close days the replay
        // it is compared with never closes.
        pipeline.idleAdvance = .days(3_650)
        var configuration = PipelineRunnerConfiguration(pipeline: pipeline, kafka: KafkaConfiguration(bootstrapServers: ["driver:0"]))
        configuration.metricsInterval = 3_600
        configure(&configuration)
        self.configuration = configuration
        for topic in [pipeline.topics.input, configuration.stateTopic] + configuration.pipeline.topics.outputs {
            logs.createTopic(topic, partitions: partitions)
        }
    }

    var topics: TopicNames { configuration.pipeline.topics }

    /// The producer queue limit the runner's backpressure works against.
    var queueLimit: Int {
        configuration.kafka.properties["queue.buffering.max.messages"].flatMap(Int.init) ?? 100_000
    }

    // MARK: - Running

    /// Starts the runner: it prepares its topics, starts its writer and subscribes.
    func startRunner() throws {
        let logs = logs
        let queueLimit = queueLimit
        let partitions = partitions
        var consumer: DriverConsumer?
        let environment = RuntimeEnvironment(
            clock: clock,
            prepareTopics: { PreparedTopics(inputPartitions: partitions, warnings: []) },
            makeConsumer: { _ in
                let made = DriverConsumer(logs: logs)
                consumer = made
                return made
            },
            makeProducer: { _, interruption in DriverProducer(logs: logs, interruption: interruption, queueLimit: queueLimit) },
            makeLogReader: { _, interruption in DriverLogReader(logs: logs, interruption: interruption) })
        let stop = stop
        runner = PipelineRunner(configuration: configuration, environment: environment, logger: log.logger)
        try runner.start(stoppingWhen: { stop.isRequested })
        self.consumer = consumer
    }

    /// Runs rounds until `condition` holds, at most `timeout` seconds of real time; false if
    /// it never did.
    @discardableResult
    func runUntil(timeout: TimeInterval = 20, _ condition: () -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { return false }
            guard try round() else { return condition() }
        }
        return true
    }

    /// Runs `count` rounds (fewer if the runner stops).
    func runRounds(_ count: Int) throws {
        for _ in 0..<count where try round() {}
    }

    /// One round of the runner's loop; false once it stopped.
    @discardableResult
    func round() throws -> Bool {
        guard !stopped else { return false }
        if try !runner.runRound() { stopped = true }
        return !stopped
    }

    /// Asks the runner to stop, as SIGTERM does; safe from any thread.
    func requestStop() { stopRequester() }

    /// ``requestStop()`` for another thread.
    var stopRequester: @Sendable () -> Void { { [stop] in stop.request() } }

    /// When the stop was requested, on the real clock.
    var stopRequestTime: Date? { stop.requestedAt }

    /// Asks the runner to stop, as SIGTERM does, and runs it until it stopped, moving the
    /// clock `tick` seconds per round; returns how far the clock moved.
    @discardableResult
    func stopRunner(tick: TimeInterval = 0, timeout: TimeInterval = 60) throws -> TimeInterval {
        requestStop()
        let started = clock.now
        let deadline = Date().addingTimeInterval(timeout)
        while try round() {
            guard Date() < deadline else { throw DriverError("the runner did not stop within \(Int(timeout)) s of real time") }
            clock.advance(by: tick)
        }
        return clock.now.timeIntervalSince(started)
    }

    // MARK: - Input and rebalances

    /// Appends event lines to the input, each to its user's partition as a keyed producer
    /// would write it (lines without a user id go to partition 0).
    func pipe(_ lines: [String]) {
        for line in lines {
            let user = Self.userID(in: line)
            let partition = user.map { KafkaPartitioner.partition(of: $0, count: partitions) } ?? 0
            logs.append(topics.input, partition: Int32(partition), key: user.map { Array($0.utf8) }, value: Array(line.utf8))
        }
    }

    func assign(_ partitions: [Int32]) {
        consumer.enqueue(.assigned(partitions.map { TopicPartition(topics.input, $0) }))
    }

    func revoke(_ partitions: [Int32], lost: Bool = false) {
        consumer.enqueue(.revoked(partitions.map { TopicPartition(topics.input, $0) }, lost: lost))
    }

    // MARK: - Reading back

    /// The records of an output topic, by partition.
    func records(_ topic: String) -> [Int32: [DriverLogs.Record]] {
        var result: [Int32: [DriverLogs.Record]] = [:]
        for p in 0..<Int32(partitions) { result[p] = logs.records(topic, partition: p) }
        return result
    }

    /// Every output record's value of `topic`, by user (the key), in order.
    func valuesByUser(_ topic: String) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (_, records) in records(topic) {
            for record in records {
                result[String(decoding: record.key ?? [], as: UTF8.self), default: []]
                    .append(String(decoding: record.value, as: UTF8.self))
            }
        }
        return result
    }

    /// The checkpoints in the state topic of `partition`, in order.
    func checkpoints(_ partition: Int32) throws -> [Checkpoint] {
        try logs.records(configuration.stateTopic, partition: partition).compactMap { record in
            let message = ConsumedMessage(
                topicPartition: TopicPartition(configuration.stateTopic, partition), offset: record.offset, timestamp: nil,
                key: record.key, value: record.value, headers: record.headers)
            if case .checkpoint(let checkpoint) = try StateRecord.decode(message) { return checkpoint }
            return nil
        }
    }

    func committed(_ partition: Int32) -> Int64? { logs.committed(topics.input, partition: partition) }

    /// Output records in every output topic.
    var outputCount: Int {
        topics.outputs.map { topic in records(topic).values.map(\.count).reduce(0, +) }.reduce(0, +)
    }

    static func userID(in line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return object["user_id"] as? String
    }
}

/// A stop request, from any thread, and when it came.
final class StopRequest: Sendable {
    private let state = Mutex<Date?>(nil)

    var isRequested: Bool { state.withLock { $0 != nil } }
    var requestedAt: Date? { state.withLock { $0 } }

    func request() { state.withLock { $0 = $0 ?? Date() } }
}

struct DriverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A logger whose lines a test can read.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "revisit.driver") { _ in Handler(capture: self) }
    }

    var messages: [String] { lines.withLock { $0 } }

    func contains(_ text: String) -> Bool { messages.contains { $0.contains(text) } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append("\(event.level): \(event.message)")
        }
    }
}
