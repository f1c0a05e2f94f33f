import Foundation

/// The topic settings that keep every output and state record a restore or a read-back
/// needs (SPEC 8), and the review of a topic's settings against them.
///
/// Time-based deletion and compaction lag count from each message's timestamp. Outputs are
/// produced with their event-time instant as the timestamp, so on a topic that keeps it
/// (`message.timestamp.type=CreateTime`) the outputs of a backfill of last year's events
/// are due for deletion as soon as they are written: a new owner's read-back would miss
/// them and write them again. Output topics therefore take the time the broker appended
/// the message (`LogAppendTime`); the event time stays in every value. Deletion and
/// compaction then wait at least ``takeoverWindowMilliseconds`` after a record is
/// written, long enough for a new owner to have read back what it needs.
///
/// State records carry the time they were written, so the state topic only needs
/// compaction without deletion and the same minimum lag.
public enum TopicConfigPolicy {
    /// How long after a record is written nothing may delete or compact it away: one hour.
    public static let takeoverWindowMilliseconds: Int64 = 3_600_000
    /// What Revisit keeps of sessions, alerts and dead letters: a week after writing.
    public static let historyMilliseconds: Int64 = 604_800_000
    /// Compaction lag of profiles and metrics: a day after writing.
    public static let compactionLagMilliseconds: Int64 = 86_400_000

    /// The properties a review reads, with Kafka's defaults for a topic that does not set them.
    public static let kafkaDefaults: [String: String] = [
        "cleanup.policy": "delete", "retention.ms": "604800000", "retention.bytes": "-1",
        "message.timestamp.type": "CreateTime", "min.compaction.lag.ms": "0",
    ]

    /// The settings Revisit gives a topic of `role` it creates.
    ///
    /// - profiles, metrics: compacted (the latest profile per user, the latest record per
    ///   date; a `forget` tombstone then erases the user's profiles).
    /// - sessions, alerts, dead letters: deleted a week after they were written.
    /// - state: compacted, never deleted.
    public static func defaults(for role: TopicRole) -> [String: String] {
        switch role {
        case .profiles, .metrics:
            ["cleanup.policy": "compact", "message.timestamp.type": "LogAppendTime",
             "min.compaction.lag.ms": String(compactionLagMilliseconds)]
        case .sessions, .alerts, .dlq:
            ["cleanup.policy": "delete", "message.timestamp.type": "LogAppendTime",
             "retention.ms": String(historyMilliseconds)]
        case .state:
            ["cleanup.policy": "compact", "min.compaction.lag.ms": String(takeoverWindowMilliseconds)]
        }
    }

    /// The problems of a topic of `role` with `configs` (properties it does not list have
    /// Kafka's defaults), unsafe ones first.
    public static func review(_ configs: [String: String], role: TopicRole) -> [TopicConfigFinding] {
        var review = Review(role: role, configs: configs)
        if role == .state { review.state() } else { review.output() }
        return review.findings.filter { $0.severity == .unsafe } + review.findings.filter { $0.severity != .unsafe }
    }

    /// `7d`, `1h`, `90s`: a span of milliseconds as a pipeline file writes it.
    static func span(_ milliseconds: Int64) -> String { TimeSpan(milliseconds: milliseconds).description }
}

// MARK: - Review

private struct Review {
    let role: TopicRole
    let configs: [String: String]
    var findings: [TopicConfigFinding] = []

    init(role: TopicRole, configs: [String: String]) {
        self.role = role
        self.configs = configs
    }

    func value(_ name: String) -> String { configs[name] ?? TopicConfigPolicy.kafkaDefaults[name] ?? "" }

    var policy: Set<String> {
        Set(value("cleanup.policy").lowercased().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// A duration or size property; negative means unlimited (nil). Text that is not a
    /// number is a finding of its own, and the property is then taken as its safe default.
    mutating func limit(_ name: String) -> Int64? {
        guard let number = Int64(value(name).trimmingCharacters(in: .whitespaces)) else {
            let safe = TopicConfigPolicy.defaults(for: role)[name] ?? TopicConfigPolicy.kafkaDefaults[name]!
            add(.unsafe, name, "is not a whole number", fix: [name: safe])
            return Int64(safe).flatMap { $0 < 0 ? nil : $0 }
        }
        return number < 0 ? nil : number
    }

    mutating func add(_ severity: TopicConfigFinding.Severity, _ setting: String, _ reason: String, fix: [String: String]) {
        findings.append(TopicConfigFinding(
            severity: severity, role: role, setting: setting, value: value(setting), reason: reason, fix: fix))
    }

    // MARK: Outputs

    mutating func output() {
        let window = TopicConfigPolicy.takeoverWindowMilliseconds
        let appendTime = value("message.timestamp.type").lowercased() == "logappendtime"
        let safeDefaults = TopicConfigPolicy.defaults(for: role)
        let deletes = policy.contains("delete")
        let compacts = policy.contains("compact")

        if deletes, let retention = limit("retention.ms") {
            if !appendTime {
                var fix = ["message.timestamp.type": "LogAppendTime"]
                if retention < window { fix["retention.ms"] = String(TopicConfigPolicy.historyMilliseconds) }
                add(.unsafe, "retention.ms",
                    "deletion counts from each message's timestamp, and an output's is its event time "
                        + "(message.timestamp.type=CreateTime): outputs of events older than "
                        + "\(TopicConfigPolicy.span(retention)) are deleted as soon as they are written, before "
                        + "a restart can read them back, and then written twice",
                    fix: fix)
            } else if retention < window {
                add(.unsafe, "retention.ms",
                    "deletes outputs \(TopicConfigPolicy.span(retention)) after they are written, before a new "
                        + "owner of their partition is sure to have read them back (it needs at least "
                        + "\(TopicConfigPolicy.span(window)))",
                    fix: ["retention.ms": String(TopicConfigPolicy.historyMilliseconds)])
            } else if role.isKeyed && !compacts {
                add(.shortensHistory, "cleanup.policy",
                    "deletes every record \(TopicConfigPolicy.span(retention)) after it is written, the latest "
                        + "per key included; compaction keeps the latest \(role == .profiles ? "profile per user" : "record per date")",
                    fix: safeDefaults)
            } else if retention < TopicConfigPolicy.historyMilliseconds {
                add(.shortensHistory, "retention.ms",
                    "keeps outputs \(TopicConfigPolicy.span(retention)) after they are written: a consumer away "
                        + "for longer misses some",
                    fix: ["retention.ms": String(TopicConfigPolicy.historyMilliseconds)])
            }
        }
        if deletes, let bytes = limit("retention.bytes") {
            add(.shortensHistory, "retention.bytes",
                "deletes the oldest outputs of a partition once it holds more than \(bytes) bytes, however recent",
                fix: ["retention.bytes": "-1"])
        }
        if compacts {
            let lag = limit("min.compaction.lag.ms") ?? 0
            if !appendTime {
                var fix = ["message.timestamp.type": "LogAppendTime"]
                if lag < window { fix["min.compaction.lag.ms"] = String(TopicConfigPolicy.compactionLagMilliseconds) }
                add(.unsafe, "message.timestamp.type",
                    "compaction lag counts from each message's timestamp, here an output's event time: the "
                        + "outputs of old events can be compacted away before a restart reads them back, and the "
                        + "older record written again then stands as the latest of its key",
                    fix: fix)
            } else if lag < window {
                add(.unsafe, "min.compaction.lag.ms",
                    "lets compaction remove an output \(TopicConfigPolicy.span(lag)) after it is written, before a "
                        + "new owner of its partition is sure to have read it back (it needs at least "
                        + "\(TopicConfigPolicy.span(window)))",
                    fix: ["min.compaction.lag.ms": String(TopicConfigPolicy.compactionLagMilliseconds)])
            }
            if !role.isKeyed {
                add(.shortensHistory, "cleanup.policy",
                    "keeps only the latest \(role == .dlq ? "dead letter" : String(role.rawValue.dropLast())) of each user",
                    fix: ["cleanup.policy": "delete"])
            }
        }
    }

    // MARK: State

    mutating func state() {
        let window = TopicConfigPolicy.takeoverWindowMilliseconds
        guard policy.contains("compact") else {
            add(.unsafe, "cleanup.policy",
                "the state topic must be compacted: deleting by time or size drops the snapshot a restore starts "
                    + "from, however old it is",
                fix: ["cleanup.policy": "compact", "min.compaction.lag.ms": String(window)])
            return
        }
        if policy.contains("delete") {
            if let retention = limit("retention.ms") {
                add(.unsafe, "retention.ms",
                    "with cleanup.policy=\(value("cleanup.policy")) it deletes state records older than "
                        + "\(TopicConfigPolicy.span(retention)), snapshots included; a restore needs the latest "
                        + "snapshot whatever its age",
                    fix: ["cleanup.policy": "compact"])
            }
            if let bytes = limit("retention.bytes") {
                add(.unsafe, "retention.bytes",
                    "with cleanup.policy=\(value("cleanup.policy")) it deletes the oldest state records once a "
                        + "partition holds more than \(bytes) bytes, snapshots included",
                    fix: ["cleanup.policy": "compact"])
            }
        }
        let lag = limit("min.compaction.lag.ms") ?? 0
        if lag < window {
            add(.unsafe, "min.compaction.lag.ms",
                "lets compaction remove a user's checkpointed state \(TopicConfigPolicy.span(lag)) after it is "
                    + "written, while a failed owner's newer, uncommitted record stands; a new owner restores "
                    + "the checkpointed one (it needs at least \(TopicConfigPolicy.span(window)))",
                fix: ["min.compaction.lag.ms": String(window)])
        }
    }
}
