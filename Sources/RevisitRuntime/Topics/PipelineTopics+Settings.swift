import RevisitCore
import RevisitKafka

// MARK: - Topic settings

extension PipelineTopics {
    /// The settings of every topic of `roles` that exists, reviewed by ``TopicConfigPolicy``.
    ///
    /// - Returns: what only shortens history, as warnings to log, and why the settings could
    ///   not be read when the cluster does not describe them (librdkafka's mock cluster,
    ///   missing `DescribeConfigs` permission): nothing is refused then.
    /// - Throws: ``PipelineTopicsError/unsafeSettings(_:brokers:)`` with every setting that
    ///   could delete what a restore or a read-back needs.
    static func reviewSettings(
        of roles: [(name: String, role: TopicRole)], admin: KafkaAdmin, kafka: KafkaConfiguration,
        timeoutMilliseconds: Int32
    ) throws(PipelineTopicsError) -> [String] {
        guard !roles.isEmpty else { return [] }
        let described: [String: [String: TopicConfigEntry]]
        do {
            described = try admin.describeTopicConfigs(roles.map(\.name), timeoutMilliseconds: timeoutMilliseconds)
        } catch {
            let why = error.code == .unsupportedFeature
                ? "the cluster does not describe topic configs"
                : "the cluster did not describe them (\(error.reason))"
            return ["the settings of \(roles.map(\.name).joined(separator: ", ")) are not checked: \(why); "
                + "check them by hand against the README's \"Running on a real cluster\""]
        }
        var unsafe: [TopicSettingProblem] = []
        var warnings: [String] = []
        for (name, role) in roles {
            guard let entries = described[name] else { continue }
            let configs = entries.compactMapValues(\.value)
            for finding in TopicConfigPolicy.review(configs, role: role) {
                let problem = TopicSettingProblem(topic: name, finding: finding)
                if finding.severity == .unsafe {
                    unsafe.append(problem)
                } else {
                    warnings.append("\(problem); for Revisit's setting: \(problem.fixCommand(brokers: kafka.bootstrapServers))")
                }
            }
        }
        guard unsafe.isEmpty else { throw .unsafeSettings(unsafe, brokers: kafka.bootstrapServers) }
        return warnings
    }
}
