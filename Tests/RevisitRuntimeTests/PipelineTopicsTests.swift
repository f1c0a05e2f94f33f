import RevisitCore
import RevisitKafka
import RevisitRuntime
import Testing

/// Creating and checking the pipeline's topics against librdkafka's mock cluster, hosted in
/// the test process. The mock cannot create topics through the admin API, which is exactly
/// the case the "missing and could not be created" error is for.
@Suite("Pipeline topics")
struct PipelineTopicsTests {
    static let state = PipelineTopics.stateTopic(applicationID: "revisit")

    /// A cluster with these topics, and a configuration pointing at it.
    static func cluster(_ topics: [String: Int]) throws -> (MockCluster, KafkaConfiguration) {
        let cluster = try MockCluster()
        for (name, partitions) in topics { try cluster.createTopic(name, partitions: partitions) }
        return (cluster, KafkaConfiguration(brokers: cluster.bootstrapServers, properties: ["log_level": "2"]))
    }

    /// Every topic of the default pipeline with `partitions` partitions, then the changes.
    static func pipelineTopics(_ partitions: Int, changing changes: [String: Int?] = [:]) -> [String: Int] {
        let names = TopicNames()
        var topics: [String: Int] = [:]
        for name in [names.input, names.profiles, names.sessions, names.alerts, names.metrics, names.dlq, state] {
            topics[name] = partitions
        }
        for (name, count) in changes { topics[name] = count }
        return topics
    }

    static func prepare(_ kafka: KafkaConfiguration, stateTopic: String? = state) throws(PipelineTopicsError) -> Int {
        try PipelineTopics.prepare(
            topics: TopicNames(), stateTopic: stateTopic, kafka: kafka, inputPartitionsIfMissing: nil,
            timeoutMilliseconds: 1_500).inputPartitions
    }

    @Test("The state topic is the application id's")
    func stateTopicName() {
        #expect(PipelineTopics.stateTopic(applicationID: "shop-retention") == "shop-retention.state")
    }

    @Test("Topics that are all present and right give the input's partition count")
    func allPresent() throws {
        // Output topics may have more partitions than the input.
        let (cluster, kafka) = try Self.cluster(Self.pipelineTopics(4, changing: ["revisit.alerts": 8]))
        #expect(try Self.prepare(kafka) == 4)
        #expect(try Self.prepare(kafka, stateTopic: nil) == 4)
        withExtendedLifetime(cluster) {}
    }

    @Test("An output topic with fewer partitions than the input is named, before anything is created")
    func outputTooFewPartitions() throws {
        // revisit.dlq is missing too: the mismatch is reported without trying to create it.
        let (cluster, kafka) = try Self.cluster(Self.pipelineTopics(4, changing: ["revisit.sessions": 2, "revisit.dlq": nil]))
        let error = #expect(throws: PipelineTopicsError.self) { try Self.prepare(kafka) }
        #expect(error == .tooFewPartitions(topic: "revisit.sessions", found: 2, needed: 4, input: "events"))
        #expect(error?.description.contains("at least 4") == true)
        #expect(error?.description.contains("kafka-topics.sh --alter --topic revisit.sessions --partitions 4") == true)
        withExtendedLifetime(cluster) {}
    }

    @Test("A state topic needs exactly one partition per input partition", arguments: [3, 8])
    func stateTopicMismatch(partitions: Int) throws {
        let (cluster, kafka) = try Self.cluster(Self.pipelineTopics(4, changing: [Self.state: partitions]))
        let error = #expect(throws: PipelineTopicsError.self) { try Self.prepare(kafka) }
        #expect(error == .statePartitionMismatch(topic: Self.state, found: partitions, needed: 4, input: "events"))
        // Without a state topic (a backfill), the same cluster is fine.
        #expect(try Self.prepare(kafka, stateTopic: nil) == 4)
        withExtendedLifetime(cluster) {}
    }

    @Test("Topics the cluster cannot create are reported missing, with how to create them")
    func missingTopicsCannotBeCreated() throws {
        let (cluster, kafka) = try Self.cluster(Self.pipelineTopics(4, changing: ["revisit.dlq": nil, Self.state: nil]))
        let error = try #require(#expect(throws: PipelineTopicsError.self) { try Self.prepare(kafka) })
        guard case .cannotCreate(let missing, _, _) = error else {
            Issue.record("expected cannotCreate, got \(error)")
            return
        }
        #expect(missing == [
            NewTopic(name: "revisit.dlq", partitions: 4, configs: TopicConfigPolicy.defaults(for: .dlq)),
            NewTopic(name: Self.state, partitions: 4, configs: TopicConfigPolicy.defaults(for: .state)),
        ])
        let text = error.description
        #expect(text.contains("revisit.dlq, revisit.state are missing and could not be created"))
        #expect(text.contains("--create --topic revisit.dlq --partitions 4 --config cleanup.policy=delete "
            + "--config message.timestamp.type=LogAppendTime --config retention.ms=604800000"))
        #expect(text.contains("--topic revisit.state --partitions 4 --config cleanup.policy=compact --config min.compaction.lag.ms=3600000"))
        #expect(text.contains("revisit broker --topic revisit.dlq:4 --topic revisit.state:4"))
        // Only metadata was read: nothing made the cluster auto-create the missing topics.
        let names = try KafkaAdmin(configuration: kafka).listTopics().map(\.name)
        #expect(!names.contains("revisit.dlq") && !names.contains(Self.state))
        withExtendedLifetime(cluster) {}
    }

    @Test("On a cluster that cannot describe topic configs, present topics are used with a warning that names them")
    func settingsNotCheckedOnTheMock() throws {
        let (cluster, kafka) = try Self.cluster(Self.pipelineTopics(4))
        let prepared = try PipelineTopics.prepare(
            topics: TopicNames(), stateTopic: Self.state, kafka: kafka, inputPartitionsIfMissing: nil,
            timeoutMilliseconds: 1_500)
        #expect(prepared.inputPartitions == 4)
        #expect(prepared.warnings == [
            "the settings of revisit.profiles, revisit.sessions, revisit.alerts, revisit.metrics, revisit.dlq, "
                + "revisit.state are not checked: the cluster does not describe topic configs; check them by hand "
                + "against the README's \"Running on a real cluster\"",
        ])
        withExtendedLifetime(cluster) {}
    }

    @Test("A missing input topic is an error unless a partition count is given")
    func missingInput() throws {
        let (cluster, kafka) = try Self.cluster(Self.pipelineTopics(4, changing: ["events": nil]))
        let error = #expect(throws: PipelineTopicsError.self) { try Self.prepare(kafka) }
        #expect(error == .inputMissing(topic: "events"))
        #expect(error?.description.contains("the input topic events does not exist") == true)
        withExtendedLifetime(cluster) {}
    }
}
