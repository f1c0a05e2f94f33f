/// Every setting of a pipeline file (SPEC section 9), typed, with the SPEC's defaults.
///
/// The YAML names are the SPEC's (`session_gap`, `churn_model.alpha`, `topics.input`, ...);
/// the Swift names are their camel-case forms.
public struct PipelineConfiguration: Sendable, Equatable {
    /// The consumer group and the prefix of internal topics (`<application_id>.state`).
    public var applicationID: String = "revisit"
    /// Topic names for input and outputs.
    public var topics = TopicNames()
    /// librdkafka properties passed through to every client (`kafka.security.protocol`, ...).
    public var kafka: [String: String] = [:]
    /// Topic properties that override ``TopicConfigPolicy/defaults(for:)`` when a topic is
    /// created (`topic_configs.alerts.retention.ms`); never into a state that breaks SPEC 8.
    public var topicConfigs: [TopicRole: [String: String]] = [:]
    /// What the operators compute: every rule parameter of SPEC sections 1-7.
    public var rules = RetentionRules()
    /// How often a task writes a checkpoint marker to the state topic.
    public var checkpointInterval: TimeSpan = .seconds(1)
    /// How often a task writes a full snapshot of its state.
    public var snapshotInterval: TimeSpan = .minutes(5)
    /// Wall-clock silence after which a live partition advances its watermark from the clock.
    public var idleAdvance: TimeSpan = .seconds(60)

    public init() {}
}

/// Names of the topics Revisit reads and writes (SPEC section 6).
public struct TopicNames: Sendable, Equatable {
    /// `topics.input`: the events.
    public var input = "events"
    /// `topics.profiles`: profile records and tombstones.
    public var profiles = "revisit.profiles"
    /// `topics.sessions`: closed sessions.
    public var sessions = "revisit.sessions"
    /// `topics.alerts`: streak, risk, dormant, churned and recalled alerts.
    public var alerts = "revisit.alerts"
    /// `topics.metrics`: per-day aggregates.
    public var metrics = "revisit.metrics"
    /// `topics.dlq`: invalid and too-late events with their reason.
    public var dlq = "revisit.dlq"

    public init() {}
}

/// The parameters of the operators: validation limits, time, sessions, streaks, tiers,
/// lifecycle, churn risk and alerts (SPEC sections 1-7).
public struct RetentionRules: Sendable, Equatable {
    // MARK: - Input (SPEC 1)
    /// `max_event_bytes`: larger messages are invalid (`too_large`).
    public var maxEventBytes = 65_536
    /// `max_future_skew`: how far past the wall clock an event time may be.
    public var maxFutureSkew: TimeSpan = .days(1)
    /// `dead_letter_fields`: what the dead-letter topic keeps of an invalid event (by
    /// default its original key and bytes, SPEC 6).
    public var deadLetterFields: DeadLetterFields = .all

    // MARK: - Time (SPEC 2)
    /// `allowed_lateness`: how far the watermark trails the largest event time seen.
    public var allowedLateness: TimeSpan = .minutes(10)
    /// IANA zone of calendar days (`timezone`).
    public var timezone = "UTC"
    /// `per_user_timezone`: date each user's days in the zone of their latest `tz`.
    public var perUserTimezone = false

    // MARK: - Sessions (SPEC 3)
    /// `session_gap`: the longest pause inside a session (a pause of exactly this continues it).
    public var sessionGap: TimeSpan = .minutes(30)

    // MARK: - Streaks, tiers, lifecycle (SPEC 4)
    /// `streak_milestones`: streak lengths that raise `streak_milestone`, ascending.
    public var streakMilestones: [Int] = [3, 5, 7, 14, 30, 60, 100]
    /// `high_window_days`: the window of the high tier's visit-day count.
    public var highWindowDays = 28
    /// `high_min_visit_days`: visit days in that window that make a user high tier.
    public var highMinVisitDays = 12
    /// `medium_window_days`: a visit day in this many days makes a user medium tier.
    public var mediumWindowDays = 30
    /// `low_window_days`: a visit day in this many days makes a user low tier.
    public var lowWindowDays = 90
    /// `churn_after_days`: days since the last visit day from which a user is churned.
    public var churnAfterDays = 90
    /// `dormant_after_days`: days since the last visit day from which a user is dormant.
    public var dormantAfterDays = 30
    /// `recall_window_days`: days a returning churned user stays `recalled`.
    public var recallWindowDays = 30
    /// `new_user_days`: days from the first visit day during which a user is `new`.
    public var newUserDays = 7
    /// `risk_threshold`: churn risk from which a user is `at_risk` and alerted, in (0, 1).
    public var riskThreshold = 0.7

    // MARK: - Churn risk (SPEC 5)
    /// `churn_model.{r, alpha, a, b}`: the MBG/NBD population parameters.
    public var churnModel = ChurnModelParameters()
    /// `risk_bands`: churn-risk band edges, ascending in (0, 1); entering another band
    /// emits a profile.
    public var riskBands: [Double] = [0.3, 0.7]

    // MARK: - Alerts (SPEC 6)
    /// `risk_alert_cooldown`: no second `churn_risk_high` for a user within this time.
    public var riskAlertCooldown: TimeSpan = .days(7)
    /// `attribution_window`: a return this soon after a campaign touch is credited to it.
    public var attributionWindow: TimeSpan = .days(7)

    public init() {}
}

/// Population parameters of the MBG/NBD model (SPEC section 5), time in days.
public struct ChurnModelParameters: Sendable, Equatable {
    /// Shape of the Gamma distribution of visit rates.
    public var r: Double
    /// Scale of the Gamma distribution of visit rates, in days.
    public var alpha: Double
    /// First shape of the Beta distribution of dropout probabilities.
    public var a: Double
    /// Second shape of the Beta distribution of dropout probabilities.
    public var b: Double

    public init(r: Double = 0.8359, alpha: Double = 3.852, a: Double = 0.1953, b: Double = 6.809) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }
}

// MARK: - Validation

extension PipelineConfiguration {
    /// Checks every setting by the rules a pipeline file is held to (SPEC 9): positive
    /// windows, thresholds in (0, 1), ascending bands and milestones, known time zones,
    /// positive model parameters, valid topic names, and settings that agree with each other.
    public func validate() throws(PipelineConfigurationError) {
        try validate(origins: [:])
    }

    /// `validate()`, blaming each problem on where its setting came from.
    func validate(origins: [String: SettingOrigin]) throws(PipelineConfigurationError) {
        for setting in PipelineSettingCatalog.all {
            var scratch = self
            let value = setting.read(self)
            guard setting.write(&scratch, value) else {
                throw .invalidValue(
                    setting: setting.name, value: value.description, accepts: setting.accepts,
                    origin: origins[setting.name] ?? .defaults)
            }
        }
        for property in kafka.keys where property.isEmpty {
            throw .invalidValue(setting: "kafka.", value: nil, accepts: "a librdkafka property name", origin: .defaults)
        }
        try validateTopicConfigs(origins: origins)
        func blame(_ first: String, _ second: String) -> (String, SettingOrigin) {
            if let origin = origins[first] { return (first, origin) }
            if let origin = origins[second] { return (second, origin) }
            return (first, .defaults)
        }
        if rules.highMinVisitDays > rules.highWindowDays {
            let (name, origin) = blame("high_min_visit_days", "high_window_days")
            throw .conflictingSettings(
                setting: name,
                detail: "high_min_visit_days (\(rules.highMinVisitDays)) is more than high_window_days "
                    + "(\(rules.highWindowDays)), so no user could be in the high tier",
                origin: origin)
        }
        if rules.dormantAfterDays > rules.churnAfterDays {
            let (name, origin) = blame("dormant_after_days", "churn_after_days")
            throw .conflictingSettings(
                setting: name,
                detail: "dormant_after_days (\(rules.dormantAfterDays)) is more than churn_after_days "
                    + "(\(rules.churnAfterDays)); a user turns dormant before churned",
                origin: origin)
        }
    }
}

extension PipelineConfiguration {
    /// The properties a topic of `role` is created with: Revisit's defaults, then the
    /// pipeline's `topic_configs.<role>` overrides.
    public func creationConfigs(for role: TopicRole) -> [String: String] {
        TopicConfigPolicy.defaults(for: role).merging(topicConfigs[role] ?? [:]) { _, override in override }
    }

    /// ``creationConfigs(for:)`` of every role.
    public var topicCreationConfigs: [TopicRole: [String: String]] {
        Dictionary(uniqueKeysWithValues: TopicRole.allCases.map { ($0, creationConfigs(for: $0)) })
    }

    /// Refuses overrides that would create a topic whose settings break SPEC 8, blaming the
    /// override of the offending property (or the role's first override).
    private func validateTopicConfigs(origins: [String: SettingOrigin]) throws(PipelineConfigurationError) {
        for role in TopicRole.allCases {
            guard let overrides = topicConfigs[role], !overrides.isEmpty else { continue }
            let group = PipelineSettingCatalog.topicConfigsGroup + "." + role.rawValue
            for property in overrides.keys where property.isEmpty {
                throw .invalidValue(setting: group + ".", value: nil, accepts: "a topic property name", origin: .defaults)
            }
            guard let unsafe = TopicConfigPolicy.review(creationConfigs(for: role), role: role)
                .first(where: { $0.severity == .unsafe }) else { continue }
            let blamed = overrides[unsafe.setting] != nil
                ? unsafe.setting
                : overrides.keys.sorted().first { origins[group + "." + $0] != nil } ?? overrides.keys.sorted()[0]
            let name = group + "." + blamed
            throw .conflictingSettings(
                setting: name,
                detail: "the \(role) topic would be created with \(unsafe); set "
                    + unsafe.fix.sorted { $0.key < $1.key }.map { "\(group).\($0.key)=\($0.value)" }.joined(separator: " and ")
                    + " or remove the override",
                origin: origins[name] ?? .defaults)
        }
    }
}
