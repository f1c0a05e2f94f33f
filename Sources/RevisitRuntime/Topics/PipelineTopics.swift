import RevisitCore
import RevisitKafka

/// The topics a pipeline reads and writes, made usable before anything is read: created when
/// missing, checked when present (SPEC 8).
///
/// Task `p` is the only writer of partition `p` of every output topic and of the state topic,
/// so output topics need at least as many partitions as the input and the state topic exactly
/// as many. Only metadata is read to look: nothing is produced and no topic is fetched, which
/// would make a cluster with `auto.create.topics.enable` create it with its default
/// partition count.
public enum PipelineTopics {
    /// Revisit's settings for every topic it creates (``TopicConfigPolicy/defaults(for:)``).
    public static let defaultCreationConfigs = Dictionary(
        uniqueKeysWithValues: TopicRole.allCases.map { ($0, TopicConfigPolicy.defaults(for: $0)) })

    /// `<application_id>.state`.
    public static func stateTopic(applicationID: String) -> String {
        applicationID + ".state"
    }

    /// Makes sure the input topic exists, and that every output topic (profiles, sessions,
    /// alerts, metrics, dlq) and, when `stateTopic` is given, the state topic exist with the
    /// right partition counts and settings that keep what a restore and a read-back need.
    ///
    /// Missing topics are created with the input's partition count and the settings of
    /// their role in `creationConfigs`; a missing input topic is created only when
    /// `inputPartitionsIfMissing` gives its count. Present topics are checked, their
    /// partition counts and their settings (``TopicConfigPolicy``), all of them before
    /// anything is created, so a wrong topic leaves the cluster unchanged.
    ///
    /// - Returns: the input topic's partition count, and warnings to log (settings that only
    ///   shorten history, or that could not be read).
    /// - Throws: ``PipelineTopicsError`` naming the topic, what was found and needed, and
    ///   how to fix it (including how to create a topic the cluster did not create).
    public static func prepare(
        topics: TopicNames, stateTopic: String?, kafka: KafkaConfiguration, inputPartitionsIfMissing: Int?,
        creationConfigs: [TopicRole: [String: String]] = defaultCreationConfigs, timeoutMilliseconds: Int32 = 5_000
    ) throws(PipelineTopicsError) -> PreparedTopics {
        let admin = try makeAdmin(kafka)
        let present = try partitionCounts(admin, kafka: kafka, timeoutMilliseconds: timeoutMilliseconds)
        var missing: [NewTopic] = []

        let partitions: Int
        if let count = present[topics.input] {
            partitions = count
        } else if let count = inputPartitionsIfMissing {
            partitions = count
            missing.append(NewTopic(name: topics.input, partitions: count))
        } else {
            throw .inputMissing(topic: topics.input)
        }

        var required: [(name: String, role: TopicRole)] = []
        for role in TopicRole.outputs {
            guard let name = topics.name(of: role), name != topics.input,
                  !required.contains(where: { $0.name == name }) else { continue }
            required.append((name, role))
        }
        if let stateTopic { required.append((stateTopic, .state)) }

        var existing: [(name: String, role: TopicRole)] = []
        for topic in required {
            guard let found = present[topic.name] else {
                missing.append(NewTopic(
                    name: topic.name, partitions: partitions,
                    configs: creationConfigs[topic.role] ?? TopicConfigPolicy.defaults(for: topic.role)))
                continue
            }
            try check(topic.name, found: found, isState: topic.role == .state, input: topics.input, partitions: partitions)
            existing.append(topic)
        }
        let warnings = try reviewSettings(
            of: existing, admin: admin, kafka: kafka, timeoutMilliseconds: timeoutMilliseconds)
        guard !missing.isEmpty else { return PreparedTopics(inputPartitions: partitions, warnings: warnings) }

        let outcome: [String: TopicCreation]
        do {
            outcome = try admin.createTopics(missing, timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            let reason = error.kind == .timeout
                ? "the cluster did not answer CreateTopics within \(timeoutMilliseconds) ms"
                : error.reason
            throw .cannotCreate(missing: missing, reason: reason, brokers: kafka.bootstrapServers)
        }
        // A topic someone else created in the meantime has whatever count they gave it.
        let raced = missing.filter { outcome[$0.name] == .existed }
        guard !raced.isEmpty else { return PreparedTopics(inputPartitions: partitions, warnings: warnings) }
        let now = try partitionCounts(admin, kafka: kafka, timeoutMilliseconds: timeoutMilliseconds)
        for topic in raced {
            let isState = topic.name == stateTopic
            if topic.name == topics.input {
                // The input decides the other counts; one created elsewhere must agree with them.
                guard let found = now[topic.name], found == partitions else {
                    throw .cannotCreate(
                        missing: [topic], reason: "it was created concurrently with another partition count",
                        brokers: kafka.bootstrapServers)
                }
                continue
            }
            guard let found = now[topic.name] else {
                throw .cannotCreate(missing: [topic], reason: "the cluster reports it created but does not list it",
                                    brokers: kafka.bootstrapServers)
            }
            try check(topic.name, found: found, isState: isState, input: topics.input, partitions: partitions)
        }
        let racedRoles = required.filter { topic in raced.contains { $0.name == topic.name } }
        let racedWarnings = try reviewSettings(
            of: racedRoles, admin: admin, kafka: kafka, timeoutMilliseconds: timeoutMilliseconds)
        return PreparedTopics(inputPartitions: partitions, warnings: warnings + racedWarnings)
    }

    /// The partition count of the input topic, which must exist (a replay creates nothing it reads).
    static func inputPartitionCount(
        of input: String, kafka: KafkaConfiguration, timeoutMilliseconds: Int32 = 5_000
    ) throws(PipelineTopicsError) -> Int {
        let present = try partitionCounts(makeAdmin(kafka), kafka: kafka, timeoutMilliseconds: timeoutMilliseconds)
        guard let count = present[input] else { throw .inputMissing(topic: input) }
        return count
    }

    // MARK: - Checks

    private static func check(
        _ topic: String, found: Int, isState: Bool, input: String, partitions: Int
    ) throws(PipelineTopicsError) {
        if isState {
            guard found == partitions else {
                throw .statePartitionMismatch(topic: topic, found: found, needed: partitions, input: input)
            }
        } else {
            guard found >= partitions else {
                throw .tooFewPartitions(topic: topic, found: found, needed: partitions, input: input)
            }
        }
    }

    // MARK: - Metadata

    private static func makeAdmin(_ kafka: KafkaConfiguration) throws(PipelineTopicsError) -> KafkaAdmin {
        do {
            return try KafkaAdmin(configuration: kafka)
        } catch {
            throw .metadataUnavailable(brokers: kafka.bootstrapServers, reason: error.description)
        }
    }

    /// Partition counts by topic name, from the cluster's metadata (which creates nothing).
    private static func partitionCounts(
        _ admin: KafkaAdmin, kafka: KafkaConfiguration, timeoutMilliseconds: Int32
    ) throws(PipelineTopicsError) -> [String: Int] {
        do {
            let topics = try admin.listTopics(timeoutMilliseconds: timeoutMilliseconds)
            return Dictionary(topics.map { ($0.name, $0.partitionCount) }, uniquingKeysWith: { first, _ in first })
        } catch {
            throw .metadataUnavailable(brokers: kafka.bootstrapServers, reason: error.description)
        }
    }
}

/// What ``PipelineTopics/prepare(topics:stateTopic:kafka:inputPartitionsIfMissing:creationConfigs:timeoutMilliseconds:)`` found.
public struct PreparedTopics: Sendable, Equatable {
    /// The input topic's partition count.
    public var inputPartitions: Int
    /// Topic settings that only shorten history, or that could not be read: to log.
    public var warnings: [String]

    public init(inputPartitions: Int, warnings: [String]) {
        self.inputPartitions = inputPartitions
        self.warnings = warnings
    }
}
