import RevisitCore

/// A finding of ``TopicConfigPolicy`` on a topic that exists, with the command that fixes it.
public struct TopicSettingProblem: Sendable, Equatable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    public var finding: TopicConfigFinding

    public init(topic: String, finding: TopicConfigFinding) {
        self.topic = topic
        self.finding = finding
    }

    /// `the alerts topic revisit.alerts has retention.ms=604800000: <reason>`.
    public var description: String { "the \(finding.role) topic \(topic) has \(finding)" }

    /// The `kafka-configs.sh` command that applies the finding's fix.
    public func fixCommand(brokers: [String]) -> String {
        "kafka-configs.sh --bootstrap-server \(brokers.first ?? "HOST:PORT") --alter --entity-type topics "
            + "--entity-name \(topic) --add-config \(finding.fixText)"
    }
}
