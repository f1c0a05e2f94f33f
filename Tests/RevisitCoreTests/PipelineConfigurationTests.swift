import Foundation
import Testing
import Yams
@testable import RevisitCore

/// Pipeline files and `--set` overrides (SPEC 9).
@Suite struct PipelineConfigurationTests {
    let loader = PipelineConfigurationLoader()

    static let defaultFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("pipelines/default.yaml")

    func load(_ yaml: String, _ overrides: [String] = []) throws -> PipelineConfiguration {
        try loader.load(yaml: yaml, fileName: "test.yaml", overrides: overrides)
    }

    func error(_ yaml: String?, _ overrides: [String] = []) -> PipelineConfigurationError? {
        do {
            _ = try loader.load(yaml: yaml, fileName: "test.yaml", overrides: overrides)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - The default file

    @Test func defaultFileEqualsTheBuiltInDefaults() throws {
        let text = try String(contentsOf: Self.defaultFile, encoding: .utf8)
        let loaded = try loader.load(yaml: text, fileName: "pipelines/default.yaml")
        #expect(loaded == PipelineConfiguration())
        #expect(loaded.rules.churnModel == ChurnModelParameters())
        try PipelineConfiguration().validate()
    }

    @Test func defaultFileNamesEverySetting() throws {
        let text = try String(contentsOf: Self.defaultFile, encoding: .utf8)
        var names: Set<String> = []
        func collect(_ node: Node, _ prefix: String) {
            guard let mapping = node.mapping else { return }
            for (key, value) in mapping {
                let name = prefix.isEmpty ? key.string! : prefix + "." + key.string!
                if value.mapping != nil { collect(value, name) } else { names.insert(name) }
            }
        }
        collect(try #require(try Yams.compose(yaml: text)), "")
        #expect(names == Set(PipelineSettingCatalog.all.map(\.name)))
        // Every setting line carries its comment.
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && line.contains(": ") {
            #expect(line.contains("#") || line.hasPrefix("application_id"), "\(line)")
        }
    }

    // MARK: - Reading values

    @Test func readsEverySetting() throws {
        let yaml = """
            application_id: shop-retention
            topics:
              input: shop.events
              profiles: p
              sessions: s
              alerts: al
              metrics: m
              dlq: d
            kafka:
              bootstrap.servers: k1:9092,k2:9092
              enable.idempotence: true
              security:
                protocol: SASL_SSL
            max_event_bytes: 1024
            max_future_skew: 0s
            allowed_lateness: 250ms
            idle_advance: 1h30m
            timezone: Asia/Shanghai
            per_user_timezone: true
            session_gap: 45m
            streak_milestones: [2, 4]
            high_window_days: 14
            high_min_visit_days: 6
            medium_window_days: 21
            low_window_days: 60
            churn_after_days: 60
            dormant_after_days: 20
            recall_window_days: 10
            new_user_days: 3
            risk_threshold: 0.8
            churn_model: {r: 0.243, alpha: 4.414, a: 0.793, b: 2.426}
            risk_bands: [0.25, 0.5, 0.9]
            risk_alert_cooldown: 3d
            attribution_window: 48h
            checkpoint_interval: 500ms
            snapshot_interval: 10m
            """
        let c = try load(yaml)
        #expect(c.applicationID == "shop-retention")
        #expect(c.topics.input == "shop.events" && c.topics.dlq == "d" && c.topics.alerts == "al")
        #expect(c.kafka == ["bootstrap.servers": "k1:9092,k2:9092", "enable.idempotence": "true",
                            "security.protocol": "SASL_SSL"])
        #expect(c.rules.maxEventBytes == 1024 && c.rules.maxFutureSkew == .seconds(0))
        #expect(c.rules.allowedLateness == TimeSpan(milliseconds: 250))
        #expect(c.idleAdvance == .minutes(90))
        #expect(c.rules.timezone == "Asia/Shanghai" && c.rules.perUserTimezone)
        #expect(c.rules.sessionGap == .minutes(45) && c.rules.streakMilestones == [2, 4])
        #expect(c.rules.highWindowDays == 14 && c.rules.highMinVisitDays == 6)
        #expect(c.rules.mediumWindowDays == 21 && c.rules.lowWindowDays == 60)
        #expect(c.rules.churnAfterDays == 60 && c.rules.dormantAfterDays == 20)
        #expect(c.rules.recallWindowDays == 10 && c.rules.newUserDays == 3 && c.rules.riskThreshold == 0.8)
        #expect(c.rules.churnModel == ChurnModelParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426))
        #expect(c.rules.riskBands == [0.25, 0.5, 0.9])
        #expect(c.rules.riskAlertCooldown == .days(3) && c.rules.attributionWindow == .days(2))
        #expect(c.checkpointInterval == TimeSpan(milliseconds: 500) && c.snapshotInterval == .minutes(10))
    }

    @Test func emptyFilesAndDottedKeys() throws {
        #expect(try load("") == PipelineConfiguration())
        #expect(try load("# nothing\n") == PipelineConfiguration())
        #expect(try load("kafka:\n# all commented\n") == PipelineConfiguration())
        let dotted = try load("churn_model.alpha: 30.9\nkafka.client.id: revisit-1\ntopics.input: in\n")
        #expect(dotted.rules.churnModel.alpha == 30.9 && dotted.kafka["client.id"] == "revisit-1")
        #expect(dotted.topics.input == "in")
    }

    // MARK: - Durations

    @Test func durationSpellings() {
        let good: [(String, Int64)] = [
            ("0", 0), ("0s", 0), ("0ms", 0), ("1ms", 1), ("250ms", 250), ("10s", 10_000), ("30m", 1_800_000),
            ("1h", 3_600_000), ("7d", 604_800_000), ("1h30m", 5_400_000), ("1d12h", 129_600_000),
            ("106751991167d", 106_751_991_167 * 86_400_000),
        ]
        for (text, milliseconds) in good {
            #expect(TimeSpan(parsing: text) == TimeSpan(milliseconds: milliseconds), "\(text)")
        }
        for text in ["", "30", "5", "1.5h", "-5m", "+5m", "10 s", " 10s", "m", "5mm", "5M", "5sec", "1e3ms",
                     "106751991168d", "99999999999999999999d", "s5"] {
            #expect(TimeSpan(parsing: text) == nil, "\(text)")
        }
        for span in [TimeSpan(milliseconds: 1), .seconds(10), .minutes(90), .days(7), TimeSpan(milliseconds: 1_500)] {
            #expect(TimeSpan(parsing: span.description) == span)
        }
    }

    @Test func zeroIsOnlyAllowedWhereItMeansSomething() throws {
        #expect(try load("allowed_lateness: 0s\nrisk_alert_cooldown: 0s\n").rules.allowedLateness == .seconds(0))
        for name in ["session_gap", "idle_advance", "checkpoint_interval", "snapshot_interval"] {
            guard case .invalidValue(name, "0s", _, .file(_, 1, _))? = error("\(name): 0s\n") else {
                Issue.record("\(name): 0s accepted")
                continue
            }
        }
    }

    // MARK: - Bad values

    static let badValues: [(setting: String, value: String)] = [
        ("application_id", "\"has space\""), ("topics.input", "\"a/b\""), ("topics.dlq", "\"\""),
        ("max_event_bytes", "0"), ("max_event_bytes", "64k"), ("max_future_skew", "1 day"),
        ("allowed_lateness", "10"), ("idle_advance", "-1s"), ("timezone", "Mars/Olympus_Mons"), ("timezone", "UTC+8"),
        ("per_user_timezone", "maybe"), ("session_gap", "30x"), ("streak_milestones", "[3, 3]"),
        ("streak_milestones", "[5, 3]"), ("streak_milestones", "[0, 3]"), ("streak_milestones", "3"),
        ("high_window_days", "0"), ("high_window_days", "28d"), ("high_min_visit_days", "1.5"),
        ("medium_window_days", "-3"), ("low_window_days", "many"), ("churn_after_days", "0"),
        ("dormant_after_days", "30.0"), ("recall_window_days", "[30]"), ("new_user_days", "~"),
        ("risk_threshold", "1"), ("risk_threshold", "0"), ("risk_threshold", "70%"),
        ("churn_model.r", "0"), ("churn_model.alpha", "-2.5"), ("churn_model.a", "nan"),
        ("churn_model.b", "inf"), ("risk_bands", "[0.7, 0.3]"), ("risk_bands", "[0.3, 1.0]"),
        ("risk_bands", "{low: 0.3}"), ("risk_alert_cooldown", "7"), ("attribution_window", "7days"),
        ("checkpoint_interval", "1.5s"), ("snapshot_interval", "5min"),
    ]

    /// Writes `setting: value` at line 4 of a small file (nested under its group if dotted).
    func fileWithBadValue(_ setting: String, _ value: String) -> (yaml: String, line: Int) {
        let parts = setting.split(separator: ".")
        let other = setting == "idle_advance" ? "new_user_days: 7" : "idle_advance: 60s"
        if parts.count == 2 {
            return ("\(other)\n# a comment\n\(parts[0]):\n  \(parts[1]): \(value)\n# the end\n", 4)
        }
        return ("\(other)\n# a comment\n\n\(setting): \(value)\n# the end\n", 4)
    }

    @Test(arguments: badValues)
    func badValueNamesFileLineSettingAndWhatItAccepts(setting: String, value: String) throws {
        let (yaml, line) = fileWithBadValue(setting, value)
        let failure = try #require(error(yaml), "\(setting): \(value) accepted")
        guard case let .invalidValue(name, _, accepts, origin) = failure else {
            Issue.record("unexpected \(failure)")
            return
        }
        #expect(name == setting)
        #expect(origin.line == line)
        #expect(!accepts.isEmpty)
        let message = failure.description
        #expect(message.hasPrefix("test.yaml:\(line): \(setting):"), "\(message)")
        #expect(message.contains("accepts"))
    }

    // `--set streak_milestones=3` is the one-element list [3], so it is left out.
    @Test(arguments: badValues.filter {
        !$0.value.hasPrefix("{") && !$0.value.hasPrefix("\"") && $0.value != "~" && $0.value != "3"
    })
    func badOverrideNamesTheArgument(setting: String, value: String) throws {
        let argument = "\(setting)=\(value)"
        let failure = try #require(error(nil, ["timezone=UTC", argument]), "\(argument) accepted")
        guard case let .invalidValue(name, shown, _, .override(given)) = failure else {
            Issue.record("unexpected \(failure)")
            return
        }
        #expect(name == setting && given == argument && shown != nil)
        #expect(failure.description.hasPrefix("--set \(argument): \(setting):"), "\(failure)")
    }

    @Test func conflictingSettingsAreReported() {
        let failure = error("high_window_days: 28\nhigh_min_visit_days: 30\n")
        #expect(failure?.setting == "high_min_visit_days" && failure?.origin?.line == 2)
        let dormant = error(nil, ["dormant_after_days=120"])
        #expect(dormant?.setting == "dormant_after_days")
        #expect(dormant?.description.contains("--set dormant_after_days=120") == true)
        var built = PipelineConfiguration()
        built.rules.riskBands = [0.9, 0.1]
        #expect(throws: PipelineConfigurationError.self) { try built.validate() }
    }

    // MARK: - Names

    @Test func unknownSettingsSuggestTheNearestName() {
        let cases: [(String, String, String?, Int)] = [
            ("sesion_gap: 30m\n", "sesion_gap", "session_gap", 1),
            ("timezone: UTC\nchurn_model:\n  alpa: 3\n", "churn_model.alpha", "churn_model.alpha", 3),
            ("alpha: 3\n", "alpha", "churn_model.alpha", 1),
            ("topics:\n  inputs: x\n", "topics.inputs", "topics.input", 2),
            ("Risk-Threshold: 0.5\n", "Risk-Threshold", "risk_threshold", 1),
            ("bananas: 3\n", "bananas", nil, 1),
            // An unknown name is named as such, whatever its value holds.
            ("rules:\n  session_gap: 30m\n", "rules", nil, 1),
            ("bananas: [1, {a: 2}]\n", "bananas", nil, 1),
        ]
        for (yaml, name, suggestion, line) in cases {
            let failure = error(yaml)
            guard case let .unknownSetting(found, suggested, origin)? = failure else {
                Issue.record("\(yaml): \(String(describing: failure))")
                continue
            }
            #expect(origin.line == line, "\(yaml)")
            #expect(suggested == suggestion, "\(yaml)")
            #expect(found == name || suggestion == name, "\(yaml)")
        }
        #expect(error("sesion_gap: 30m\n")?.description
            == "test.yaml:1: unknown setting \"sesion_gap\"; did you mean \"session_gap\"?")
        #expect(error(nil, ["timezon=UTC"])?.description
            == "--set timezon=UTC: unknown setting \"timezon\"; did you mean \"timezone\"?")
    }

    @Test func structuralMistakes() {
        guard case .duplicateSetting("churn_model.alpha", 2, .file(_, 3, _))? =
            error("churn_model:\n  alpha: 2\nchurn_model.alpha: 3\n") else {
            Issue.record("duplicate not found")
            return
        }
        let syntax = error("timezone: UTC\nsession_gap: [30m\nnew_user_days: 7\n")
        guard case .syntax(_, .file(_, 2, _))? = syntax else {
            Issue.record("syntax error line: \(String(describing: syntax))")
            return
        }
        #expect(error("- a\n- b\n")?.description == "test.yaml:1: a pipeline file must be a mapping of setting names to values")
        #expect(error("topics: events\n")?.setting == "topics")
        #expect(error("session_gap:\n")?.description.contains("session_gap: invalid value") == true)
        #expect(error("timezone: UTC\ntimezone: UTC\n") != nil)
    }

    // MARK: - Overrides

    @Test func overridesApplyAfterTheFile() throws {
        let c = try load("timezone: Europe/Paris\nchurn_model:\n  alpha: 2\n", [
            "timezone=Asia/Shanghai", "churn_model.alpha=30.9", "kafka.security.protocol=SASL_SSL",
            "streak_milestones=[2, 4, 8]", "risk_bands=0.2,0.5", "session_gap = 10m", "kafka.client.id=a=b",
            "churn_model.alpha=31",
        ])
        #expect(c.rules.timezone == "Asia/Shanghai" && c.rules.churnModel.alpha == 31)
        #expect(c.kafka == ["security.protocol": "SASL_SSL", "client.id": "a=b"])
        #expect(c.rules.streakMilestones == [2, 4, 8] && c.rules.riskBands == [0.2, 0.5])
        #expect(c.rules.sessionGap == .minutes(10))
        #expect(try load("", ["streak_milestones=[]"]).rules.streakMilestones == [])
    }

    // MARK: - Topic configs

    @Test func topicConfigsOverrideTheCreatedSettingsByRole() throws {
        let loaded = try load("""
            topic_configs:
              alerts:
                retention.ms: 2592000000
              profiles:
                min.compaction.lag.ms: 172800000
            """, ["topic_configs.dlq.retention.ms=-1", "topic_configs.alerts.retention.ms=1209600000"])
        #expect(loaded.topicConfigs == [
            .alerts: ["retention.ms": "1209600000"], .profiles: ["min.compaction.lag.ms": "172800000"],
            .dlq: ["retention.ms": "-1"],
        ])
        #expect(loaded.creationConfigs(for: .alerts) == [
            "cleanup.policy": "delete", "message.timestamp.type": "LogAppendTime", "retention.ms": "1209600000",
        ])
        #expect(loaded.creationConfigs(for: .sessions) == TopicConfigPolicy.defaults(for: .sessions))
        #expect(loaded.topicCreationConfigs[.profiles]?["min.compaction.lag.ms"] == "172800000")
    }

    @Test func topicConfigsThatBreakExactlyOnceAreRefusedWithTheLineAndTheFix() {
        let error = self.error("""
            application_id: shop
            topic_configs:
              sessions:
                message.timestamp.type: CreateTime
            """)
        #expect(error?.setting == "topic_configs.sessions.message.timestamp.type")
        #expect(error?.origin?.line == 4)
        #expect(error?.description.contains("the sessions topic would be created with retention.ms=604800000: deletion counts from each message's timestamp") == true)
        #expect(error?.description.contains("set topic_configs.sessions.message.timestamp.type=LogAppendTime or remove the override") == true)

        // The offending property is blamed when it is overridden itself.
        let lag = self.error(nil, ["topic_configs.state.min.compaction.lag.ms=0"])
        #expect(lag?.setting == "topic_configs.state.min.compaction.lag.ms")
        #expect(lag?.origin == .override(argument: "topic_configs.state.min.compaction.lag.ms=0"))
        #expect(lag?.description.contains("set topic_configs.state.min.compaction.lag.ms=3600000") == true)

        // What only shortens history is allowed.
        #expect(self.error(nil, ["topic_configs.alerts.retention.ms=86400000"]) == nil)
    }

    @Test func unknownTopicRolesSuggestTheNearestOne() {
        let error = self.error(nil, ["topic_configs.alert.retention.ms=1"])
        #expect(error == .unknownSetting(
            name: "topic_configs.alert.retention.ms", suggestion: "topic_configs.alerts.retention.ms",
            origin: .override(argument: "topic_configs.alert.retention.ms=1")))
        #expect(self.error("topic_configs:\n  alerts: 3\n")?.setting == "topic_configs.alerts")
    }

    @Test func malformedOverrides() {
        #expect(error(nil, ["timezone"]) == .malformedOverride(argument: "timezone"))
        #expect(error(nil, ["=UTC"]) == .malformedOverride(argument: "=UTC"))
        #expect(error(nil, ["topics=x"])?.setting == "topics")
        #expect(error(nil, ["timezone="])?.description.contains("--set timezone=: timezone: invalid value") == true)
    }

    // MARK: - Secrets

    @Test func secretValuesAreNeverShown() throws {
        let secret = "hunter2-very-secret"
        let failures = [
            error("kafka:\n  sasl.password: [\(secret)]\n"),
            error("kafka:\n  ssl.key.password:\n    - \(secret)\n"),
            error(nil, ["kafka.sasl.oauthbearer.client.secret=\(secret)", "kafka.sasl.password="]),
            error(nil, ["sasl.password=\(secret)"]),
            error(nil, ["kafka.sasl.password=\(secret)", "sesion_gap=1m"]),
            error(nil, ["kafka.sasl.password\(secret)"]),
        ]
        for failure in failures {
            #expect(failure != nil)
            #expect(failure.map { !$0.description.contains(secret) && !"\($0)".contains(secret) } == true,
                    "\(String(describing: failure))")
        }
        #expect(try load("", ["kafka.sasl.password=\(secret)"]).kafka["sasl.password"] == secret)
    }
}
