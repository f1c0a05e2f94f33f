import RevisitKafka

/// Why the topics of a pipeline or a backfill are not usable, with what to do about it.
///
/// Every case names the topic (or topics) and the partition counts involved; ``description``
/// is one message an operator can act on.
public enum PipelineTopicsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The cluster's metadata could not be read (brokers unreachable, authentication refused).
    case metadataUnavailable(brokers: [String], reason: String)
    /// The input topic does not exist and no partition count was given to create it with.
    case inputMissing(topic: String)
    /// An output topic has fewer partitions than the input: input partition `p` writes to
    /// partition `p` of every output topic (SPEC 8).
    case tooFewPartitions(topic: String, found: Int, needed: Int, input: String)
    /// The state topic does not have exactly one partition per input partition.
    case statePartitionMismatch(topic: String, found: Int, needed: Int, input: String)
    /// Topics are missing and the cluster did not create them (it refused, or did not answer:
    /// test clusters such as librdkafka's mock cannot create topics at all).
    case cannotCreate(missing: [NewTopic], reason: String, brokers: [String])
    /// Topics that exist have settings that could delete what a restore or a read-back needs
    /// (``TopicConfigPolicy``): each names the topic, the setting and its fix.
    case unsafeSettings([TopicSettingProblem], brokers: [String])

    /// The topics the error is about.
    public var topics: [String] {
        switch self {
        case .metadataUnavailable: []
        case .inputMissing(let topic): [topic]
        case .tooFewPartitions(let topic, _, _, _), .statePartitionMismatch(let topic, _, _, _): [topic]
        case .cannotCreate(let missing, _, _): missing.map(\.name)
        case .unsafeSettings(let problems, _): problems.map(\.topic)
        }
    }

    public var description: String {
        switch self {
        case .metadataUnavailable(let brokers, let reason):
            return "cannot read the topics of the cluster at \(Self.list(brokers)): \(reason); "
                + "check --brokers (or $REVISIT_BROKERS) and the kafka.* / -X security settings"
        case .inputMissing(let topic):
            return "the input topic \(topic) does not exist; create it "
                + "(kafka-topics.sh --create --topic \(topic) --partitions N on a real cluster, "
                + "revisit broker --topic \(topic):N for the embedded broker) "
                + "or point topics.input at the topic that holds the events"
        case .tooFewPartitions(let topic, let found, let needed, let input):
            return "the output topic \(topic) has \(found) partition\(found == 1 ? "" : "s") but the input \(input) "
                + "has \(needed): input partition p writes to partition p of every output topic, so \(topic) "
                + "needs at least \(needed); add partitions (kafka-topics.sh --alter --topic \(topic) "
                + "--partitions \(needed)) or use another topic name"
        case .statePartitionMismatch(let topic, let found, let needed, let input):
            return "the state topic \(topic) has \(found) partition\(found == 1 ? "" : "s") but the input \(input) "
                + "has \(needed); it needs exactly one per input partition. The input's partition count "
                + "changed since the state was written, which moves users between partitions: start from "
                + "fresh state with a new application_id (or delete \(topic)), and rebuild history with "
                + "revisit replay if needed"
        case .cannotCreate(let missing, let reason, let brokers):
            let names = missing.map(\.name)
            let real = missing.map { topic in
                var command = "kafka-topics.sh --bootstrap-server \(brokers.first ?? "HOST:PORT") --create "
                    + "--topic \(topic.name) --partitions \(topic.partitions)"
                for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                    command += " --config \(name)=\(value)"
                }
                return command
            }
            let embedded = "revisit broker " + missing.map { "--topic \($0.name):\($0.partitions)" }.joined(separator: " ")
            return "the topic\(names.count == 1 ? "" : "s") \(Self.list(names)) \(names.count == 1 ? "is" : "are") "
                + "missing and could not be created (\(reason)); create \(names.count == 1 ? "it" : "them") first: "
                + "on a real cluster, " + real.joined(separator: "; ")
                + "; for the embedded broker, start it with " + embedded
        case .unsafeSettings(let problems, let brokers):
            return problems.map { problem in
                "\(problem); fix it with: \(problem.fixCommand(brokers: brokers))"
            }.joined(separator: "; ") + " (outputs and state must outlive a restart, SPEC 8; "
                + "see \"Running on a real cluster\" in the README)"
        }
    }

    private static func list(_ items: [String]) -> String {
        items.isEmpty ? "(no brokers)" : items.joined(separator: ", ")
    }
}
