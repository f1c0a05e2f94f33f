@testable import RevisitCore

/// Builders and runners shared by the tests.
enum TestSupport {
    /// Epoch ms of an RFC 3339 string; traps on a typo so tests fail loudly.
    static func t(_ text: String) -> Int64 {
        guard let v = EventTime.parse(text) else { fatalError("bad time \(text)") }
        return v
    }

    /// A JSON event line.
    static func event(
        _ user: String, _ ts: Int64, type: String = "page_view", id: String? = nil, tz: String? = nil,
        revenue: Double? = nil, campaign: String? = nil, variant: String? = nil
    ) -> [UInt8] {
        let escaped = user.map { $0 == "\"" ? "\\\"" : String($0) }.joined()
        var fields = [
            "\"event_id\":\"\(id ?? "\(escaped)-\(ts)-\(type)")\"", "\"user_id\":\"\(escaped)\"", "\"type\":\"\(type)\"",
            "\"ts\":\(ts)",
        ]
        if let tz { fields.append("\"tz\":\"\(tz)\"") }
        if let revenue { fields.append("\"revenue\":\(revenue)") }
        if let campaign { fields.append("\"campaign\":\"\(campaign)\"") }
        if let variant { fields.append("\"variant\":\"\(variant)\"") }
        return Array(("{" + fields.joined(separator: ",") + "}").utf8)
    }

    static let wallClock = t("2030-01-01T00:00:00Z")

    static func rules(_ change: (inout RetentionRules) -> Void = { _ in }) -> RetentionRules {
        var r = RetentionRules()
        change(&r)
        return r
    }

    /// Runs lines through one processor and returns every output, finishing at `finish`
    /// (default: the largest ts) unless `finish` is `.none`.
    static func run(
        _ lines: [[UInt8]], rules: RetentionRules = RetentionRules(), finish: Int64? = nil, finishes: Bool = true
    ) -> [OutputRecord] {
        var p = try! PartitionProcessor(rules: rules, wallClock: wallClock)
        var out: [OutputRecord] = []
        for (i, line) in lines.enumerated() {
            p.process(value: line, key: nil, source: SourcePosition(topic: "test", partition: 0, offset: Int64(i)))
            out += p.takeOutputs()
        }
        if finishes, let end = finish ?? p.maxTimestamp {
            p.finish(at: end)
            out += p.takeOutputs()
        }
        return out
    }

    static func profiles(_ out: [OutputRecord]) -> [ProfileRecord] {
        out.compactMap { if case .profile(let p) = $0 { p } else { nil } }
    }

    static func sessions(_ out: [OutputRecord]) -> [SessionRecord] {
        out.compactMap { if case .session(let s) = $0 { s } else { nil } }
    }

    static func alerts(_ out: [OutputRecord], _ type: AlertType? = nil) -> [AlertRecord] {
        out.compactMap { if case .alert(let a) = $0, type == nil || a.type == type { a } else { nil } }
    }

    static func deadLetters(_ out: [OutputRecord]) -> [DeadLetterRecord] {
        out.compactMap { if case .deadLetter(let d) = $0 { d } else { nil } }
    }

    /// The final (end-of-input) profile of a user.
    static func finalProfile(_ out: [OutputRecord], _ user: String) -> ProfileRecord? {
        profiles(out).last { $0.userID == user && $0.cause == .endOfInput }
    }

    static func day(_ text: String) -> Int64 {
        CivilDate.floorDivide(t(text + "T00:00:00Z"), CivilDate.millisecondsPerDay)
    }

    static let hour: Int64 = 3_600_000
    static let dayMs: Int64 = 86_400_000
}
