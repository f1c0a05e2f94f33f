import Foundation
import RevisitCore
import RevisitKafka
import RevisitRuntime
import RevisitTestSupport
import Testing

/// The settings a pipeline gives the topics it creates, and the start check of topics that
/// exist, on noida-db: a Kafka implementation with a controller and topic configs
/// (librdkafka's mock cluster has neither).
@Suite("Topic settings on noida-db", .serialized)
struct TopicSettingsOnNoidaTests {
    static let state = PipelineTopics.stateTopic(applicationID: "revisit")
    static let names = TopicNames()

    /// A broker with a 4-partition input topic and `existing` topics created with their configs.
    static func broker(existing: [String: [String: String]] = [:]) throws -> NoidaBroker {
        let broker = try NoidaBroker()
        let admin = try KafkaAdmin(configuration: broker.kafka)
        let topics = [NewTopic(name: names.input, partitions: 4)]
            + existing.map { NewTopic(name: $0.key, partitions: 4, configs: $0.value) }
        _ = try admin.createTopics(topics)
        return broker
    }

    static func prepare(
        _ broker: NoidaBroker, configs: [TopicRole: [String: String]] = PipelineTopics.defaultCreationConfigs
    ) throws(PipelineTopicsError) -> PreparedTopics {
        try PipelineTopics.prepare(
            topics: names, stateTopic: state, kafka: broker.kafka, inputPartitionsIfMissing: nil, creationConfigs: configs)
    }

    static func topicName(_ role: TopicRole) -> String { names.name(of: role) ?? state }

    @Test("Created topics carry the settings of their role, overrides included, and pass the start check next time")
    func createdSettingsAreDescribedBack() throws {
        let broker = try Self.broker()
        var pipeline = PipelineConfiguration()
        pipeline.topicConfigs[.alerts] = ["retention.ms": "2592000000"]
        try pipeline.validate()
        let prepared = try Self.prepare(broker, configs: pipeline.topicCreationConfigs)
        #expect(prepared.inputPartitions == 4 && prepared.warnings.isEmpty)

        let admin = try KafkaAdmin(configuration: broker.kafka)
        let described = try admin.describeTopicConfigs(TopicRole.allCases.map(Self.topicName))
        for role in TopicRole.allCases {
            let entries = try #require(described[Self.topicName(role)], "\(role)")
            for (name, value) in pipeline.creationConfigs(for: role) {
                #expect(entries[name]?.value == value && entries[name]?.source == .topic, "\(role) \(name)")
            }
        }
        #expect(described[Self.names.alerts]?["retention.ms"]?.value == "2592000000")
        #expect(try admin.listTopics().filter { $0.name.hasPrefix("revisit.") }.allSatisfy { $0.partitionCount == 4 })

        // Now they exist: the start check reads them back and finds nothing to say.
        #expect(try Self.prepare(broker) == PreparedTopics(inputPartitions: 4, warnings: []))
    }

    @Test("Existing topics whose settings could delete what a restart needs stop the start, named with their fix; nothing is created")
    func unsafeSettingsAreRefused() throws {
        // Alerts with the cluster's defaults (deleted 7 days after their event time), and a
        // state topic compacted without lag.
        let broker = try Self.broker(existing: [
            Self.names.alerts: [:], Self.state: ["cleanup.policy": "compact"],
        ])
        let error = try #require(#expect(throws: PipelineTopicsError.self) { try Self.prepare(broker) })
        guard case .unsafeSettings(let problems, _) = error else {
            Issue.record("expected unsafeSettings, got \(error)")
            return
        }
        #expect(problems.map { "\($0.topic) \($0.finding.setting)" } == [
            "revisit.alerts retention.ms", "revisit.state min.compaction.lag.ms",
        ])
        let text = error.description
        #expect(text.contains("the alerts topic revisit.alerts has retention.ms=604800000: deletion counts from each message's timestamp"))
        #expect(text.contains("fix it with: kafka-configs.sh --bootstrap-server \(broker.bootstrapServers) --alter "
            + "--entity-type topics --entity-name revisit.alerts --add-config message.timestamp.type=LogAppendTime"))
        #expect(text.contains("--entity-name revisit.state --add-config min.compaction.lag.ms=3600000"))
        // Refused before anything was created.
        let present = Set(try KafkaAdmin(configuration: broker.kafka).listTopics().map(\.name).filter { !$0.hasPrefix("__") })
        #expect(present == [Self.names.input, Self.names.alerts, Self.state])
    }

    @Test("Existing topics that only keep less history start with a warning that names the setting")
    func shorterHistoryIsAWarning() throws {
        let broker = try Self.broker(existing: [
            Self.names.sessions: ["message.timestamp.type": "LogAppendTime", "retention.ms": "7200000"],
        ])
        let prepared = try Self.prepare(broker)
        #expect(prepared.warnings.count == 1)
        #expect(prepared.warnings.first?.hasPrefix(
            "the sessions topic revisit.sessions has retention.ms=7200000: keeps outputs 2h after they are written") == true)
        #expect(prepared.warnings.first?.contains("--entity-name revisit.sessions --add-config retention.ms=604800000") == true)
        #expect(try KafkaAdmin(configuration: broker.kafka).listTopics().filter { !$0.name.hasPrefix("__") }.count == 7)
    }
}
