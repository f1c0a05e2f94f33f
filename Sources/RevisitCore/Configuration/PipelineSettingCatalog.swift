import Foundation

/// Every setting of SPEC section 9, under its SPEC name, in the order of the SPEC.
///
/// `kafka.<property>` is open-ended and handled by the loader itself: any librdkafka property
/// is passed through as a string.
enum PipelineSettingCatalog {
    static let all: [PipelineSetting] = [
        // MARK: Application and topics (SPEC 6, 9)
        .kafkaName("application_id", \.applicationID, what: "a Kafka group id"),
        .kafkaName("topics.input", \.topics.input, what: "a Kafka topic name"),
        .kafkaName("topics.profiles", \.topics.profiles, what: "a Kafka topic name"),
        .kafkaName("topics.sessions", \.topics.sessions, what: "a Kafka topic name"),
        .kafkaName("topics.alerts", \.topics.alerts, what: "a Kafka topic name"),
        .kafkaName("topics.metrics", \.topics.metrics, what: "a Kafka topic name"),
        .kafkaName("topics.dlq", \.topics.dlq, what: "a Kafka topic name"),

        // MARK: Input (SPEC 1)
        .count("max_event_bytes", \.rules.maxEventBytes,
               accepts: "a whole number of bytes from 1 to 100000000 (e.g. 65536)", range: 1...100_000_000),
        .duration("max_future_skew", \.rules.maxFutureSkew, allowZero: true),
        .deadLetterFields("dead_letter_fields", \.rules.deadLetterFields),

        // MARK: Time (SPEC 2)
        .duration("allowed_lateness", \.rules.allowedLateness, allowZero: true),
        .duration("idle_advance", \.idleAdvance, allowZero: false),
        .zone("timezone", \.rules.timezone),
        .flag("per_user_timezone", \.rules.perUserTimezone),

        // MARK: Sessions (SPEC 3)
        .duration("session_gap", \.rules.sessionGap, allowZero: false),

        // MARK: Streaks, tiers, lifecycle (SPEC 4)
        .milestones("streak_milestones", \.rules.streakMilestones),
        .days("high_window_days", \.rules.highWindowDays),
        .count("high_min_visit_days", \.rules.highMinVisitDays,
               accepts: "a whole number of visit days, 1 or more, at most high_window_days (e.g. 12)",
               range: 1...36_500),
        .days("medium_window_days", \.rules.mediumWindowDays),
        .days("low_window_days", \.rules.lowWindowDays),
        .days("churn_after_days", \.rules.churnAfterDays),
        .days("dormant_after_days", \.rules.dormantAfterDays),
        .days("recall_window_days", \.rules.recallWindowDays),
        .days("new_user_days", \.rules.newUserDays),
        .probability("risk_threshold", \.rules.riskThreshold),

        // MARK: Churn risk (SPEC 5)
        .positive("churn_model.r", \.rules.churnModel.r),
        .positive("churn_model.alpha", \.rules.churnModel.alpha),
        .positive("churn_model.a", \.rules.churnModel.a),
        .positive("churn_model.b", \.rules.churnModel.b),
        .bands("risk_bands", \.rules.riskBands),

        // MARK: Alerts (SPEC 6)
        .duration("risk_alert_cooldown", \.rules.riskAlertCooldown, allowZero: true),
        .duration("attribution_window", \.rules.attributionWindow, allowZero: true),

        // MARK: Delivery (SPEC 8)
        .duration("checkpoint_interval", \.checkpointInterval, allowZero: false),
        .duration("snapshot_interval", \.snapshotInterval, allowZero: false),
    ]

    static let byName: [String: PipelineSetting] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// Groups of settings written as nested mappings.
    static let groups = Set(["topics", "churn_model", "kafka", topicConfigsGroup])
        .union(TopicRole.allCases.map { topicConfigsGroup + "." + $0.rawValue })

    /// The group of topic property overrides: `topic_configs.<role>.<topic property>`.
    static let topicConfigsGroup = "topic_configs"

    // MARK: - Suggestions

    /// The known name nearest to `name`, if it is a likely misspelling: same last part under
    /// another group (`alpha` for `churn_model.alpha`), or a small edit distance.
    static func suggestion(for name: String) -> String? {
        let candidates = all.map(\.name) + groups.sorted()
        let leaf = name.split(separator: ".").last.map(String.init) ?? name
        if let moved = candidates.first(where: { $0.split(separator: ".").last.map(String.init) == leaf && $0 != name }) {
            return moved
        }
        let limit = max(1, min(3, name.count / 4))
        let scored = candidates.map { ($0, editDistance($0, name)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance, case-insensitive, `-` and `_` counted equal (people mix them).
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        func normal(_ s: String) -> [Character] { Array(s.lowercased().replacingOccurrences(of: "-", with: "_")) }
        let a = normal(lhs)
        let b = normal(rhs)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}
