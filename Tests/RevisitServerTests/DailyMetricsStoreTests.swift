import Foundation
import RevisitCore
import RevisitServer
import Testing

/// The daily metrics of `revisit serve`: records of several partitions merged per day as
/// `revisit metrics` merges them, the later copy of a partition's day counting.
@Suite("Daily metrics store: merged per day like revisit metrics")
struct DailyMetricsStoreTests {
    static func line(_ date: String, partition: Int, active: Int, mau: Int, campaigns: String = "") -> String {
        #"{"date":"\#(date)","partition":\#(partition),"active_users":\#(active),"wau":\#(active),"mau":\#(mau),"new_users":0,"#
            + #""tiers":{"high":0,"medium":\#(mau),"low":0,"churned":0},"#
            + #""stages":{"new":0,"active":\#(mau),"at_risk":0,"dormant":0,"churned":0,"recalled":0},"#
            + #""became_churned":0,"recalled":1,"churned_at_start":\#(partition + 1),"revisit":{"base":4,"returned":\#(partition + 1)},"#
            + #""retention":{"d1":{"cohort":0,"retained":0},"d7":{"cohort":2,"retained":1},"d30":{"cohort":0,"retained":0}},"#
            + #""campaigns":[\#(campaigns)]}"#
    }

    static let touch = #"{"campaign":"winback","variant":"control","matured":10,"returned":2},{"campaign":"winback","variant":"sms","matured":10,"returned":5}"#

    /// Out of order, with an older copy of partition 1's March 2 before the newer one.
    static let lines = [
        line("2024-03-02", partition: 1, active: 99, mau: 99),
        line("2024-03-01", partition: 0, active: 3, mau: 9, campaigns: touch),
        line("2024-03-02", partition: 0, active: 5, mau: 10),
        line("2024-03-01", partition: 1, active: 2, mau: 6, campaigns: touch),
        line("2024-03-02", partition: 1, active: 4, mau: 8, campaigns: touch),
        line("2024-03-03", partition: 0, active: 1, mau: 10),
    ]

    static func store(_ lines: [String] = lines) throws -> DailyMetricsStore {
        let store = DailyMetricsStore()
        for (offset, line) in lines.enumerated() {
            let date = String(line.dropFirst(9).prefix(10))
            let partition = line.contains(#""partition":1"#) ? 1 : 0
            try store.apply(
                key: Array(date.utf8), value: Array(line.utf8), partition: partition,
                source: .message(topic: "revisit.metrics", partition: partition, offset: Int64(offset)))
        }
        return store
    }

    static func reference(_ lines: [String], from: Int64? = nil, to: Int64? = nil) throws -> DailyMetricsReport {
        let records = try DailyMetricsReader().records(jsonl: Data(lines.joined(separator: "\n").utf8), file: "metrics.jsonl")
        return DailyMetricsReport(records: records, from: from, to: to)
    }

    @Test("The days and campaigns equal those of the records read as revisit metrics reads them")
    func mergedLikeRevisitMetrics() throws {
        let store = try Self.store()
        #expect(store.recordCount == 5)
        #expect(store.report().jsonLines() == (try Self.reference(Self.lines)).jsonLines())
        let day = try #require(store.report().days.first { EventTime.formatDate($0.date) == "2024-03-02" })
        #expect(day.partitions == 2 && day.totals.activeUsers == 9, "the later copy of partition 1 counts")
        let march2 = CivilDate.dayNumber("2024-03-02")!
        #expect(store.report(from: march2, to: march2).jsonLines() == (try Self.reference(Self.lines, from: march2, to: march2)).jsonLines())
        #expect(CampaignEvaluation(report: store.report()) == CampaignEvaluation(report: try Self.reference(Self.lines)))
        #expect(store.dateRange == CivilDate.dayNumber("2024-03-01")!...CivilDate.dayNumber("2024-03-03")!)
        #expect(store.report(from: march2 + 5).days.isEmpty)
    }

    @Test("An empty value (a compacted topic's deletion marker) removes that partition's day")
    func deletionMarker() throws {
        let store = try Self.store()
        try store.apply(key: Array("2024-03-02".utf8), value: [], partition: 1, source: .message(topic: "m", partition: 1, offset: 9))
        let day = try #require(store.report().days.first { EventTime.formatDate($0.date) == "2024-03-02" })
        #expect(day.partitions == 1 && day.totals.activeUsers == 5)
    }

    @Test("A value that is not a record is refused with where it came from and the field; the store stays")
    func badRecord() throws {
        let store = try Self.store()
        let bad = Self.lines[0].replacingOccurrences(of: #""mau":99"#, with: #""mau":-1"#)
        #expect {
            try store.apply(key: nil, value: Array(bad.utf8), partition: 1, source: .message(topic: "revisit.metrics", partition: 1, offset: 42))
        } throws: { error in
            (error as? DailyMetricsReader.ReadError)?.description == "topic revisit.metrics partition 1 offset 42: mau is -1, not a whole number >= 0"
        }
        #expect(store.recordCount == 5)
    }
}
