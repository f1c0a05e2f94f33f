import RevisitCore
import Testing

/// The review of topic settings against SPEC 8, rule by rule, at the boundaries: what Revisit
/// creates passes, what could delete what a restore or a read-back needs is unsafe, and what
/// only shortens history is a warning.
@Suite("Topic settings policy")
struct TopicConfigPolicyTests {
    static let hour: Int64 = 3_600_000
    static let week: Int64 = 604_800_000

    static func review(_ role: TopicRole, _ changes: [String: String]) -> [TopicConfigFinding] {
        TopicConfigPolicy.review(TopicConfigPolicy.defaults(for: role).merging(changes) { $1 }, role: role)
    }

    static func summary(_ findings: [TopicConfigFinding]) -> [String] {
        findings.map { "\($0.severity == .unsafe ? "unsafe" : "history") \($0.setting)" }
    }

    @Test("The settings Revisit creates pass the review", arguments: TopicRole.allCases)
    func defaultsPass(role: TopicRole) {
        #expect(TopicConfigPolicy.review(TopicConfigPolicy.defaults(for: role), role: role).isEmpty)
    }

    @Test("A cluster's plain defaults are unsafe for every topic Revisit writes", arguments: TopicRole.allCases)
    func kafkaDefaultsAreUnsafe(role: TopicRole) {
        let findings = TopicConfigPolicy.review([:], role: role)
        if role == .state {
            #expect(Self.summary(findings) == ["unsafe cleanup.policy"])
            #expect(findings.first?.fix == ["cleanup.policy": "compact", "min.compaction.lag.ms": "3600000"])
        } else {
            // Delete after 7 days, counted from the event time a message is stamped with.
            #expect(Self.summary(findings) == ["unsafe retention.ms"])
            #expect(findings.first?.fix == ["message.timestamp.type": "LogAppendTime"])
            #expect(findings.first?.value == "604800000")
            #expect(findings.first?.reason.contains("outputs of events older than 7d are deleted as soon as they are written") == true)
        }
    }

    @Test("Deletion by event-time stamps is unsafe at any retention; no time-based deletion is safe")
    func createTimeRetention() {
        for retention in ["1", "\(Self.week)", "31536000000000"] {
            #expect(Self.summary(Self.review(.alerts, ["message.timestamp.type": "CreateTime", "retention.ms": retention]))
                == ["unsafe retention.ms"], "\(retention)")
        }
        // A short one also gets a longer retention in its fix.
        let short = Self.review(.sessions, ["message.timestamp.type": "CreateTime", "retention.ms": "60000"])
        #expect(short.first?.fix == ["message.timestamp.type": "LogAppendTime", "retention.ms": "604800000"])
        #expect(Self.review(.sessions, ["message.timestamp.type": "CreateTime", "retention.ms": "-1"]).isEmpty)
        #expect(Self.review(.dlq, ["message.timestamp.type": "CreateTime", "retention.ms": "-1"]).isEmpty)
    }

    @Test("Log-append-time retention: unsafe under an hour, a warning under a week, fine from a week")
    func appendTimeRetention() {
        let below = Self.review(.alerts, ["retention.ms": "\(Self.hour - 1)"])
        #expect(Self.summary(below) == ["unsafe retention.ms"])
        #expect(below.first?.fix == ["retention.ms": "604800000"])
        #expect(Self.summary(Self.review(.alerts, ["retention.ms": "\(Self.hour)"])) == ["history retention.ms"])
        #expect(Self.summary(Self.review(.alerts, ["retention.ms": "\(Self.week - 1)"])) == ["history retention.ms"])
        #expect(Self.review(.alerts, ["retention.ms": "\(Self.week)"]).isEmpty)
        #expect(Self.review(.alerts, ["retention.ms": "-1"]).isEmpty)
    }

    @Test("Size-based deletion only shortens the history of outputs")
    func retentionBytes() {
        #expect(Self.summary(Self.review(.sessions, ["retention.bytes": "1073741824"])) == ["history retention.bytes"])
        #expect(Self.summary(Self.review(.sessions, ["retention.bytes": "0"])) == ["history retention.bytes"])
        #expect(Self.review(.sessions, ["retention.bytes": "-1"]).isEmpty)
        // Compaction alone deletes nothing by size.
        #expect(Self.review(.profiles, ["retention.bytes": "1073741824"]).isEmpty)
    }

    @Test("Compacted outputs need log-append time and at least an hour of compaction lag")
    func compactedOutputs() {
        let createTime = Self.review(.profiles, ["message.timestamp.type": "CreateTime"])
        #expect(Self.summary(createTime) == ["unsafe message.timestamp.type"])
        #expect(createTime.first?.fix == ["message.timestamp.type": "LogAppendTime"])
        let withoutLag = Self.review(.metrics, ["message.timestamp.type": "CreateTime", "min.compaction.lag.ms": "0"])
        #expect(withoutLag.first?.fix == ["message.timestamp.type": "LogAppendTime", "min.compaction.lag.ms": "86400000"])
        #expect(Self.summary(Self.review(.profiles, ["min.compaction.lag.ms": "\(Self.hour - 1)"])) == ["unsafe min.compaction.lag.ms"])
        #expect(Self.review(.profiles, ["min.compaction.lag.ms": "\(Self.hour)"]).isEmpty)
    }

    @Test("Profiles deleted by time lose the latest profile of quiet users: a warning; kept forever: fine")
    func profilesWithoutCompaction() {
        let deleted = Self.review(.profiles, ["cleanup.policy": "delete", "retention.ms": "\(Self.week)"])
        #expect(Self.summary(deleted) == ["history cleanup.policy"])
        #expect(deleted.first?.fix == TopicConfigPolicy.defaults(for: .profiles))
        #expect(Self.review(.profiles, ["cleanup.policy": "delete", "retention.ms": "-1"]).isEmpty)
        // Compacted and deleted: the time rule applies on top of the compaction rules.
        #expect(Self.summary(Self.review(.profiles, ["cleanup.policy": "compact,delete", "retention.ms": "\(Self.week)"])).isEmpty)
        #expect(Self.summary(Self.review(.profiles, ["cleanup.policy": "compact, delete", "retention.ms": "1000"]))
            == ["unsafe retention.ms"])
    }

    @Test("Compacting sessions, alerts or dead letters keeps one per user: a warning", arguments: [TopicRole.sessions, .alerts, .dlq])
    func compactedEventTopics(role: TopicRole) {
        let findings = Self.review(role, ["cleanup.policy": "compact", "min.compaction.lag.ms": "\(Self.hour)"])
        #expect(Self.summary(findings) == ["history cleanup.policy"])
        #expect(findings.first?.fix == ["cleanup.policy": "delete"])
    }

    @Test("The state topic: compacted, never deleted, an hour of compaction lag")
    func stateTopic() {
        #expect(Self.summary(Self.review(.state, ["cleanup.policy": "delete"])) == ["unsafe cleanup.policy"])
        #expect(Self.summary(Self.review(.state, ["cleanup.policy": "compact,delete"])) == ["unsafe retention.ms"])
        #expect(Self.review(.state, ["cleanup.policy": "compact,delete"]).first?.fix == ["cleanup.policy": "compact"])
        #expect(Self.review(.state, ["cleanup.policy": "compact,delete", "retention.ms": "-1"]).isEmpty)
        #expect(Self.summary(Self.review(.state, ["cleanup.policy": "compact,delete", "retention.ms": "-1", "retention.bytes": "1"]))
            == ["unsafe retention.bytes"])
        #expect(Self.summary(Self.review(.state, ["min.compaction.lag.ms": "\(Self.hour - 1)"])) == ["unsafe min.compaction.lag.ms"])
        #expect(Self.review(.state, ["min.compaction.lag.ms": "\(Self.hour)"]).isEmpty)
        // State records carry the time they are written: the timestamp type does not matter.
        #expect(Self.review(.state, ["message.timestamp.type": "CreateTime"]).isEmpty)
    }

    @Test("A value that is not a number is unsafe, with the safe value as its fix")
    func notANumber() {
        let findings = Self.review(.alerts, ["retention.ms": "7d"])
        #expect(Self.summary(findings) == ["unsafe retention.ms"])
        #expect(findings.first?.fix == ["retention.ms": "604800000"])
        #expect(findings.first?.description == "retention.ms=7d: is not a whole number")
    }

    @Test("Unsafe findings come before warnings, and the fix reads as kafka-configs.sh takes it")
    func order() {
        let findings = Self.review(.sessions, ["retention.bytes": "100", "message.timestamp.type": "CreateTime"])
        #expect(Self.summary(findings) == ["unsafe retention.ms", "history retention.bytes"])
        let fix = TopicConfigFinding(
            severity: .unsafe, role: .state, setting: "x", value: "y", reason: "z", fix: ["b": "2", "a": "1"])
        #expect(fix.fixText == "a=1,b=2")
    }
}
