import Foundation
import RevisitKafka
import Testing

/// `revisit metrics` as a separate process, on a hand-written metrics.jsonl and on a topic.
@Suite("revisit metrics on a metrics file and on a metrics topic", .serialized)
struct MetricsCommandTests {
    /// The `revisit` built with these tests: `$REVISIT_BINARY`, else the executable next to
    /// the test bundle, so that a build with a `--scratch-path` of its own runs its own
    /// executable; else ``RevisitProcess/binary``.
    static let binary: URL = {
        if ProcessInfo.processInfo.environment["REVISIT_BINARY"] == nil, let bundle = CommandLine.arguments.first {
            let sibling = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("revisit")
            if FileManager.default.isExecutableFile(atPath: sibling.path) { return sibling }
        }
        return RevisitProcess.binary
    }()

    static func revisit(_ arguments: [String], input: Data? = nil) throws -> RevisitProcess.Output {
        try RevisitProcess.run(binary, arguments, input: input)
    }

    /// Builds a record line: the fields the tests vary, zeros elsewhere.
    static func line(
        _ date: String, partition: Int, active: Int, wau: Int, mau: Int, new: Int = 0, churned: Int = 0,
        recalled: Int = 0, atStart: Int = 0, revisit: (Int, Int) = (0, 0), d1: (Int, Int) = (0, 0),
        d7: (Int, Int) = (0, 0), campaigns: [(String, String?, Int, Int)] = []
    ) -> String {
        let list = campaigns.map { c in
            #"{"campaign":"\#(c.0)","variant":\#(c.1.map { "\"\($0)\"" } ?? "null"),"matured":\#(c.2),"returned":\#(c.3)}"#
        }
        return #"{"date":"\#(date)","partition":\#(partition),"active_users":\#(active),"wau":\#(wau),"mau":\#(mau),"new_users":\#(new),"#
            + #""tiers":{"high":0,"medium":\#(mau),"low":0,"churned":0},"#
            + #""stages":{"new":\#(new),"active":\#(mau - new),"at_risk":0,"dormant":0,"churned":0,"recalled":0},"#
            + #""became_churned":\#(churned),"recalled":\#(recalled),"churned_at_start":\#(atStart),"#
            + #""revisit":{"base":\#(revisit.0),"returned":\#(revisit.1)},"#
            + #""retention":{"d1":{"cohort":\#(d1.0),"retained":\#(d1.1)},"d7":{"cohort":\#(d7.0),"retained":\#(d7.1)},"d30":{"cohort":0,"retained":0}},"#
            + #""campaigns":[\#(list.joined(separator: ","))]}"#
    }

    /// Two partitions over three days, out of date order, with an older copy of one
    /// partition's day before the newer one (as a compacted topic may hold it).
    static let lines = [
        line("2024-03-02", partition: 0, active: 0, wau: 3, mau: 8,
             campaigns: [("reactivate", "push", 10, 2), ("winback", "control", 160, 16), ("winback", "email", 360, 30),
                         ("winback", "sms", 160, 32)]),
        line("2024-03-01", partition: 1, active: 100, wau: 100, mau: 100, campaigns: [("winback", "control", 999, 999)]),
        line("2024-03-01", partition: 0, active: 3, wau: 5, mau: 9, new: 1, revisit: (4, 2), d1: (1, 1),
             campaigns: [("winback", "control", 300, 30), ("winback", "sms", 280, 56)]),
        line("2024-02-29", partition: 0, active: 7, wau: 7, mau: 7, campaigns: [("winback", "control", 1000, 0)]),
        line("2024-03-01", partition: 1, active: 2, wau: 4, mau: 6, churned: 1, recalled: 1, atStart: 2, revisit: (3, 1),
             d7: (2, 1), campaigns: [("winback", "control", 100, 10), ("winback", "email", 200, 20), ("winback", "sms", 120, 24)]),
    ]

    static func metricsFile(_ lines: [String] = lines) throws -> String {
        let path = NSTemporaryDirectory() + "revisit-metrics-\(UUID().uuidString).jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: - Days

    @Test("--format json: one merged object per day in the range, in date order, the last copy of a partition's day counting")
    func jsonDays() throws {
        let file = try Self.metricsFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try Self.revisit(["metrics", "--input", file, "--from", "2024-03-01", "--to", "2024-03-02", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            {"date":"2024-03-01","partitions":2,"active_users":5,"wau":9,"mau":15,"new_users":1,\
            "tiers":{"high":0,"medium":15,"low":0,"churned":0},\
            "stages":{"new":1,"active":14,"at_risk":0,"dormant":0,"churned":0,"recalled":0},\
            "became_churned":1,"recalled":1,"churned_at_start":2,"revisit":{"base":7,"returned":3},\
            "retention":{"d1":{"cohort":1,"retained":1,"rate":1},"d7":{"cohort":2,"retained":1,"rate":0.5},"d30":{"cohort":0,"retained":0}},\
            "campaigns":[{"campaign":"winback","variant":"control","matured":400,"returned":40},\
            {"campaign":"winback","variant":"email","matured":200,"returned":20},\
            {"campaign":"winback","variant":"sms","matured":400,"returned":80}],\
            "stickiness":0.333333,"revisit_rate":0.428571,"recall_rate":0.5}
            {"date":"2024-03-02","partitions":1,"active_users":0,"wau":3,"mau":8,"new_users":0,\
            "tiers":{"high":0,"medium":8,"low":0,"churned":0},\
            "stages":{"new":0,"active":8,"at_risk":0,"dormant":0,"churned":0,"recalled":0},\
            "became_churned":0,"recalled":0,"churned_at_start":0,"revisit":{"base":0,"returned":0},\
            "retention":{"d1":{"cohort":0,"retained":0},"d7":{"cohort":0,"retained":0},"d30":{"cohort":0,"retained":0}},\
            "campaigns":[{"campaign":"reactivate","variant":"push","matured":10,"returned":2},\
            {"campaign":"winback","variant":"control","matured":160,"returned":16},\
            {"campaign":"winback","variant":"email","matured":360,"returned":30},\
            {"campaign":"winback","variant":"sms","matured":160,"returned":32}],\
            "stickiness":0}

            """)
    }

    @Test("--format csv: a header and flat columns, absent rates as empty fields")
    func csvDays() throws {
        let file = try Self.metricsFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try Self.revisit(["metrics", "--input", file, "--format", "csv"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = run.stdout.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 4)
        #expect(rows.dropFirst().map { $0[0] } == ["2024-02-29", "2024-03-01", "2024-03-02"])
        let header = rows[0]
        #expect(header.prefix(3) == ["date", "partitions", "active_users"])
        func field(_ name: String, _ row: Int) -> String? {
            header.firstIndex(of: name).map { rows[row][$0] }
        }
        #expect(field("retention_d7_rate", 2) == "0.5")
        #expect(field("retention_d30_rate", 2) == "")
        #expect(field("recall_rate", 2) == "0.5")
        #expect(field("stickiness", 3) == "0")
        #expect(field("revisit_rate", 3) == "")
        #expect(field("stickiness", 1) == "1")
    }

    @Test("The table: aligned columns, percentages, - for a rate without a denominator")
    func tableDays() throws {
        let file = try Self.metricsFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try Self.revisit(["metrics", "--input", file, "--from", "2024-03-01"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            date        partitions  active  wau  mau  new  stickiness  revisit  ret d1  ret d7  ret d30  churned  recalled  recall
            2024-03-01           2       5    9   15    1       33.3%    42.9%  100.0%   50.0%        -        1         1   50.0%
            2024-03-02           1       0    3    8    0        0.0%        -       -       -        -        0         0       -

            """)
    }

    // MARK: - Campaigns

    @Test("--campaigns: sums over the range, uplift and p-value, and a verdict per variant")
    func campaigns() throws {
        let file = try Self.metricsFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let table = try Self.revisit(["metrics", "--input", file, "--campaigns", "--from", "2024-03-01", "--to", "2024-03-02"])
        #expect(table.status == 0, "\(table.stderr)")
        // sms 112/560 against control 56/560: p = 2.78e-06 (SciPy, see CampaignEvaluationTests);
        // email 50/560: p = 0.540 (2 * scipy.stats.norm.sf(0.6124749791536923)).
        #expect(table.stdout == """
            campaign    variant  matured  returned   rate     uplift   p-value
            reactivate  push          10         2  20.0%
            winback     control      560        56  10.0%
            winback     email        560        50   8.9%   -1.1 pts     0.540
            winback     sms          560       112  20.0%  +10.0 pts  0.000003

            reactivate/push: no control group in the range, so no comparison
            winback/email: -1.1 points under control, p = 0.540, not significant at 5% (could be chance)
            winback/sms: +10.0 points over control, p = 0.000003, significant at 5%

            """)

        let json = try Self.revisit(["metrics", "--input", file, "--campaigns", "--from", "2024-03-01", "--format", "json"])
        let entries = json.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(entries.count == 4)
        #expect(entries[0]["uplift"] == nil && entries[0]["p_value"] == nil)
        #expect(entries[1]["variant"] as? String == "control" && entries[1]["uplift"] == nil)
        #expect(entries[3]["rate"] as? Double == 0.2)
        #expect(entries[3]["uplift"] as? Double == 0.1)
        let p = try #require(entries[3]["p_value"] as? Double)
        #expect(abs(p - 2.782787792290108e-06) < 1e-15)

        let csv = try Self.revisit(["metrics", "--input", file, "--campaigns", "--to", "2024-02-29", "--format", "csv"])
        #expect(csv.stdout == "campaign,variant,matured,returned,rate,uplift,p_value\nwinback,control,1000,0,0,,\n")
    }

    // MARK: - Errors

    @Test("A bad line names the file, the line and the field; bad options say what they take")
    func errors() throws {
        var lines = Self.lines
        lines[2] = lines[2].replacingOccurrences(of: #""wau":5"#, with: #""wau":"5""#)
        let file = try Self.metricsFile(lines)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let bad = try Self.revisit(["metrics", "--input", file])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("\(file):3: wau is \"5\", not a whole number >= 0"), "\(bad.stderr)")

        let missing = try Self.revisit(["metrics", "--input", file + ".missing"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("cannot read \(file).missing"))

        let badDate = try Self.revisit(["metrics", "--input", file, "--to", "2024-13-01"])
        #expect(badDate.stderr.contains("--to takes a date YYYY-MM-DD, got \"2024-13-01\""))
        let neither = try Self.revisit(["metrics"])
        #expect(neither.stderr.contains("metrics needs --input FILE"))
    }

    // MARK: - Topic

    @Test("--topic reads every partition of the metrics topic from its start: the same days as the file")
    func topic() throws {
        let cluster = try MockCluster()
        try cluster.createTopic("revisit.metrics", partitions: 3)
        let produced = try Self.revisit(
            ["produce", "--topic", "revisit.metrics", "--key-field", "date", "--brokers", cluster.bootstrapServers],
            input: Data((Self.lines.joined(separator: "\n") + "\n").utf8))
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stderr.contains("5 messages to revisit.metrics, 5 delivered"))

        let file = try Self.metricsFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromFile = try Self.revisit(["metrics", "--input", file, "--format", "json"])
        let fromTopic = try Self.revisit(["metrics", "--topic", "revisit.metrics", "--brokers", cluster.bootstrapServers, "--format", "json"])
        #expect(fromTopic.status == 0, "\(fromTopic.stderr)")
        #expect(fromTopic.stdout == fromFile.stdout)
        #expect(fromTopic.stdout.split(separator: "\n").count == 3)

        let unknown = try Self.revisit(["metrics", "--topic", "no.such", "--brokers", cluster.bootstrapServers])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("topic \"no.such\" does not exist on \(cluster.bootstrapServers)"))
    }
}
