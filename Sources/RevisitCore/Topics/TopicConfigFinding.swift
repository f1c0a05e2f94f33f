/// One setting of a topic that breaks exactly-once effects (SPEC 8), or that only shortens
/// the history the topic keeps, with the settings that fix it.
public struct TopicConfigFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: Sendable, Equatable {
        /// The setting can delete a record that a restore or the read-back of a new owner
        /// needs: a pipeline refuses to start on it.
        case unsafe
        /// The setting deletes history sooner than Revisit would, but never what a restore
        /// or the read-back needs: logged as a warning.
        case shortensHistory
    }

    public var severity: Severity
    /// What the topic holds.
    public var role: TopicRole
    /// The topic property, e.g. `retention.ms`.
    public var setting: String
    /// Its value as found (Kafka's default when the topic does not say).
    public var value: String
    /// Why the value is a problem.
    public var reason: String
    /// Topic properties whose values resolve it.
    public var fix: [String: String]

    public init(
        severity: Severity, role: TopicRole, setting: String, value: String, reason: String, fix: [String: String]
    ) {
        self.severity = severity
        self.role = role
        self.setting = setting
        self.value = value
        self.reason = reason
        self.fix = fix
    }

    /// `retention.ms=604800000: <reason>`.
    public var description: String { "\(setting)=\(value): \(reason)" }

    /// The fix as `name=value` pairs in name order, joined with commas (as
    /// `kafka-configs.sh --add-config` takes them).
    public var fixText: String {
        fix.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
