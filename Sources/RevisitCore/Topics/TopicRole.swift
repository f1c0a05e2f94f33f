/// What a topic Revisit writes holds, which decides the settings it needs (SPEC 8).
///
/// In a pipeline file a role names its topic's config overrides:
/// `topic_configs.<role>.<topic property>` (for example `topic_configs.alerts.retention.ms`).
public enum TopicRole: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `topics.profiles`: the latest profile per user matters, keyed by user id.
    case profiles
    /// `topics.sessions`: one record per closed session.
    case sessions
    /// `topics.alerts`: one record per alert.
    case alerts
    /// `topics.metrics`: one record per closed day, keyed by the date.
    case metrics
    /// `topics.dlq`: the dead letters.
    case dlq
    /// `<application_id>.state`: state changes, snapshots and checkpoints.
    case state

    /// The output roles: every role but ``state``, in declaration order (the order of
    /// ``TopicNames/outputs``).
    public static let outputs: [TopicRole] = [.profiles, .sessions, .alerts, .metrics, .dlq]

    /// The role's position in ``allCases``, where a task's per-topic counts keep it.
    public var ordinal: Int {
        switch self {
        case .profiles: 0
        case .sessions: 1
        case .alerts: 2
        case .metrics: 3
        case .dlq: 4
        case .state: 5
        }
    }

    /// Whether the topic is compacted by key: the latest record per key is what it keeps.
    var isKeyed: Bool { self == .profiles || self == .metrics || self == .state }

    public var description: String { rawValue }
}

extension TopicNames {
    /// The output topics a task writes, in ``TopicRole/outputs`` order.
    public var outputs: [String] { TopicRole.outputs.map { name(of: $0)! } }

    /// The name of the output topic with `role` (nil for ``TopicRole/state``, whose name
    /// comes from the application id).
    public func name(of role: TopicRole) -> String? {
        switch role {
        case .profiles: profiles
        case .sessions: sessions
        case .alerts: alerts
        case .metrics: metrics
        case .dlq: dlq
        case .state: nil
        }
    }
}
