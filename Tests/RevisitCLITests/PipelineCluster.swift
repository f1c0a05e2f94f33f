import Foundation
import RevisitKafka
import RevisitTestSupport

/// The Kafka cluster a ``PipelineFixture`` runs on, as a child process of the test.
///
/// - `mock`: librdkafka's mock cluster in a `revisit broker` process, which creates every
///   topic of the pipeline up front: the mock cluster cannot create topics through the admin
///   API, keeps no topic configs and never deletes by time.
/// - `noida`: a `noida-db` broker, a second Kafka implementation with topic configs,
///   time-based retention and restarts that keep the data. Only the input topic is created
///   here; `revisit run` creates the output and state topics itself, with the settings it
///   chooses, which is what the tests on it are about.
enum PipelineCluster {
    case mock(RevisitProcess.Broker)
    case noida(NoidaBroker)

    enum Kind {
        case mock, noida
    }

    /// Starts a cluster of `kind` for the default pipeline, whose input topic is `events`,
    /// with `partitions` input partitions.
    static func start(_ kind: Kind, partitions: Int) throws -> PipelineCluster {
        let input = "events"
        switch kind {
        case .mock:
            return .mock(try RevisitProcess.Broker(arguments: ["--pipeline-partitions", String(partitions)]))
        case .noida:
            let broker = try NoidaBroker()
            // Explicitly: noida-db would auto-create it with one partition at the first produce.
            // The default retention (7 days) is safe for it: `revisit produce` stamps each message
            // with the time it is produced, whatever the age of the event it carries.
            let created = try KafkaAdmin(configuration: broker.kafka)
                .createTopics([NewTopic(name: input, partitions: partitions)])
            guard created[input] == .created else { throw FixtureError("noida-db did not create \(input): \(created)") }
            return .noida(broker)
        }
    }

    /// The bootstrap address; a restarted noida-db keeps its port, so it stays valid.
    var bootstrap: String {
        switch self {
        case .mock(let broker): broker.bootstrap
        case .noida(let broker): broker.bootstrapServers
        }
    }

    /// The `revisit broker` process, to take its brokers down and up; `nil` on noida-db.
    var mock: RevisitProcess.Broker? {
        if case .mock(let broker) = self { broker } else { nil }
    }

    /// The noida-db broker, to stop and restart it; `nil` on the mock cluster.
    var noida: NoidaBroker? {
        if case .noida(let broker) = self { broker } else { nil }
    }

    /// Stops the cluster's process.
    func stop() {
        switch self {
        case .mock(let broker): _ = broker.stop()
        case .noida(let broker): broker.stop()
        }
    }
}
