import Foundation
import RevisitCore
import RevisitKafka
import Synchronization
import Testing
@testable import RevisitRuntime

/// The runner of `revisit run` on librdkafka's mock cluster, with its errors injected: a
/// broker down is reported by both clients, counted and survived; a fatal producer error
/// stops the runner with an error.
@Suite("Kafka client errors on the mock cluster", .serialized)
struct RunnerClientErrorTests {
    /// A runner on its own thread, as `revisit run` has it.
    final class BackgroundRunner: Sendable {
        private let stop = Atomic(false)
        private let result = Mutex<Result<PipelineRunSummary, PipelineError>?>(nil)

        init(_ configuration: PipelineRunnerConfiguration) {
            let thread = Thread { [self] in
                let runner = PipelineRunner(configuration: configuration)
                let outcome = Result { () throws(PipelineError) in try runner.run(until: { self.stop.load(ordering: .relaxed) }) }
                result.withLock { $0 = outcome }
            }
            thread.start()
        }

        var outcome: Result<PipelineRunSummary, PipelineError>? { result.withLock { $0 } }

        /// Stops the runner and waits for its outcome.
        func finish(timeout: TimeInterval = 60) -> Result<PipelineRunSummary, PipelineError>? {
            stop.store(true, ordering: .relaxed)
            return wait(timeout: timeout)
        }

        func wait(timeout: TimeInterval) -> Result<PipelineRunSummary, PipelineError>? {
            let deadline = Date().addingTimeInterval(timeout)
            while outcome == nil, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            return outcome
        }
    }

    let cluster: MockCluster
    let kafka: KafkaConfiguration
    let configuration: PipelineRunnerConfiguration
    let lines = ReplayExpectation.lines(users: 40, days: 30, seed: 3, partitions: 2)

    init() throws {
        cluster = try MockCluster(brokerCount: 2)
        kafka = KafkaConfiguration(brokers: cluster.bootstrapServers, properties: ["log_level": "0"])
        var configuration = PipelineRunnerConfiguration(pipeline: PipelineConfiguration(), kafka: kafka)
        configuration.pipeline.applicationID = "errors"
        configuration.sessionTimeoutMilliseconds = 6_000
        self.configuration = configuration
        // The input on broker 1, what the runner writes on broker 2: an error injected into
        // broker 2 reaches the runner's producer, not the test's.
        for topic in [configuration.pipeline.topics.input, configuration.stateTopic] + configuration.pipeline.topics.outputs {
            try cluster.createTopic(topic, partitions: 2)
            let broker: Int32 = topic == configuration.pipeline.topics.input ? 1 : 2
            for p: Int32 in 0..<2 { try cluster.setPartitionLeader(topic, partition: p, broker: broker) }
        }
    }

    func produce(_ lines: ArraySlice<String>) throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka: kafka))
        for line in lines {
            let user = RuntimeTestDriver.userID(in: line) ?? "-"
            let partition = Int32(KafkaPartitioner.partition(of: user, count: 2))
            try producer.send(OutgoingMessage(topic: "events", partition: partition, key: Array(user.utf8), value: Array(line.utf8)))
        }
        _ = try producer.flush(timeoutMilliseconds: 10_000)
    }

    /// Profiles written so far.
    func profiles() throws -> Int {
        var count = 0
        _ = try PartitionRangeReader(kafka: kafka, clientID: "check").readAll(of: configuration.pipeline.topics.profiles) { _ in count += 1 }
        return count
    }

    func waitForProfiles(moreThan count: Int, timeout: TimeInterval = 60) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while try profiles() <= count {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return true
    }

    @Test("A broker down: both clients' errors are counted, and the run goes on once it is back")
    func brokerDownIsCounted() throws {
        try produce(lines[..<(lines.count / 2)])
        let runner = BackgroundRunner(configuration)
        #expect(try waitForProfiles(moreThan: 0))
        // The outage lasts long enough for both clients to notice: their connections fail.
        for broker: Int32 in [1, 2] { try cluster.setBrokerDown(broker) }
        Thread.sleep(forTimeInterval: 3)
        for broker: Int32 in [1, 2] { try cluster.setBrokerUp(broker) }
        let before = try profiles()
        try produce(lines[(lines.count / 2)...])
        #expect(try waitForProfiles(moreThan: before))
        let summary = try #require(try runner.finish()?.get())
        let clients = Set(summary.clientErrors.keys.map(\.client))
        #expect(clients == [.producer, .consumer], "\(summary.clientErrors)")
        #expect(summary.json.contains(#""client_errors":{"consumer "#))
    }

    @Test("A produce answered with an out-of-order sequence: the producer's fatal error stops the runner")
    func fatalProducerError() throws {
        try produce(lines[..<(lines.count / 2)])
        let runner = BackgroundRunner(configuration)
        #expect(try waitForProfiles(moreThan: 0))
        try cluster.failNextRequests(.produce, on: 2, with: [KafkaErrorCode(rawValue: 45)])
        try produce(lines[(lines.count / 2)...])
        let outcome = runner.wait(timeout: 60)
        guard case .failure(let error) = outcome else {
            Issue.record("the runner did not stop on the fatal error: \(String(describing: outcome))")
            _ = runner.finish()
            return
        }
        #expect(error.description.contains("the producer cannot go on"))
        #expect(error.description.contains("OUT_OF_ORDER_SEQUENCE_NUMBER"))
    }
}
