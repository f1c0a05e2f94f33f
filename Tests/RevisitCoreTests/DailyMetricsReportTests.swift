import Foundation
import Testing
@testable import RevisitCore

/// Reading daily aggregate records and merging them per day with their rates (SPEC 7,
/// `revisit metrics`).
@Suite struct DailyMetricsReportTests {
    /// The record of the SPEC 7 example, as the pipeline writes it.
    static let exampleLine = """
        {"date":"2024-01-05","partition":0,"active_users":3,"wau":5,"mau":9,"new_users":1,\
        "tiers":{"high":0,"medium":8,"low":1,"churned":0},\
        "stages":{"new":2,"active":5,"at_risk":1,"dormant":1,"churned":0,"recalled":0},\
        "became_churned":0,"recalled":0,"churned_at_start":0,"revisit":{"base":4,"returned":2},\
        "retention":{"d1":{"cohort":1,"retained":1},"d7":{"cohort":0,"retained":0},"d30":{"cohort":0,"retained":0}},\
        "campaigns":[{"campaign":"winback","variant":"control","matured":3,"returned":1},\
        {"campaign":"winback","variant":"sms","matured":5,"returned":3}]}
        """

    static let day = CivilDate.dayNumber("2024-01-05")!

    static func record(_ date: Int64 = day, partition: Int?, active: Int = 0, mau: Int = 0) -> DailyMetricsRecord {
        var r = DailyMetricsRecord(date: date, partition: partition)
        r.activeUsers = active
        r.mau = mau
        return r
    }

    func read(_ line: String, number: Int = 1) throws(DailyMetricsReader.ReadError) -> DailyMetricsRecord {
        try DailyMetricsReader().record(Data(line.utf8), source: .line(file: "m.jsonl", number: number))
    }

    func readError(_ line: String) -> DailyMetricsReader.ReadError? {
        do {
            _ = try read(line)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Reading

    @Test func readsEveryFieldOfARecord() throws {
        let r = try read(Self.exampleLine)
        #expect(r.date == Self.day)
        #expect(EventTime.formatDate(r.date) == "2024-01-05")
        #expect(r.partition == 0)
        #expect([r.activeUsers, r.wau, r.mau, r.newUsers] == [3, 5, 9, 1] as [Int])
        #expect(r.tiers[Int(Segment.medium.rawValue)] == 8)
        #expect(r.tiers[Int(Segment.low.rawValue)] == 1)
        #expect(r.stages[Int(LifecycleStage.new.rawValue)] == 2)
        #expect(r.stages[Int(LifecycleStage.active.rawValue)] == 5)
        #expect(r.stages[Int(LifecycleStage.atRisk.rawValue)] == 1)
        #expect(r.stages[Int(LifecycleStage.dormant.rawValue)] == 1)
        #expect(r.revisit == DailyMetricsRecord.Cohort(base: 4, returned: 2))
        #expect(r.retention == [.init(base: 1, returned: 1), .init(), .init()])
        #expect(r.campaigns == [
            .init(campaign: "winback", variant: "control", matured: 3, returned: 1),
            .init(campaign: "winback", variant: "sms", matured: 5, returned: 3),
        ])
    }

    @Test func readsBackWhatTheEncoderWrites() throws {
        var r = DailyMetricsRecord(date: CivilDate.dayNumber("2023-12-31")!, partition: 7)
        r.activeUsers = 11; r.wau = 12; r.mau = 13; r.newUsers = 2
        r.tiers = [1, 2, 3, 4]
        r.stages = [5, 6, 7, 8, 9, 10]
        r.becameChurned = 3; r.recalled = 2; r.churnedAtStart = 40
        r.revisit = .init(base: 9, returned: 4)
        r.retention = [.init(base: 3, returned: 2), .init(base: 5, returned: 1), .init(base: 8, returned: 0)]
        r.campaigns = [.init(campaign: "a\"b", variant: nil, matured: 2, returned: 1),
                       .init(campaign: "a\"b", variant: "x", matured: 1, returned: 0)]
        var out = JSONBuffer()
        OutputEncoder.append(r, to: &out)
        #expect(try read(out.text) == r)
    }

    @Test func errorsNameTheLineAndTheField() throws {
        let text = Self.exampleLine + "\n\n" + Self.exampleLine.replacingOccurrences(of: #""cohort":0,"retained":0},"d30""#, with: #""cohort":-1,"retained":0},"d30""#)
        #expect(throws: DailyMetricsReader.ReadError(
            source: .line(file: "m.jsonl", number: 3),
            problem: .badValue(field: "retention.d7.cohort", value: "-1", expected: "a whole number >= 0"))) {
            try DailyMetricsReader().records(jsonl: Data(text.utf8), file: "m.jsonl")
        }
        let noMAU = readError(Self.exampleLine.replacingOccurrences(of: #""mau":9,"#, with: ""))
        #expect(noMAU?.problem == .missingField("mau"))
        #expect(noMAU?.description == #"m.jsonl:1: no "mau" field"#)
        let variant = readError(Self.exampleLine.replacingOccurrences(of: #""variant":"sms""#, with: #""variant":5"#))
        #expect(variant?.problem == .badValue(field: "campaigns[1].variant", value: "5", expected: "a string or null"))
        let flag = readError(Self.exampleLine.replacingOccurrences(of: #""partition":0"#, with: #""partition":false"#))
        #expect(flag?.description == "m.jsonl:1: partition is false, not a whole number >= 0")
        let date = readError(Self.exampleLine.replacingOccurrences(of: "2024-01-05", with: "2024-02-30"))
        #expect(date?.problem == .badValue(field: "date", value: "\"2024-02-30\"", expected: "a date YYYY-MM-DD"))
        #expect(readError("[1,2]")?.problem == .notJSONObject)
        let message = DailyMetricsReader.ReadError(source: .message(topic: "revisit.metrics", partition: 2, offset: 17), problem: .notJSONObject)
        #expect(message.description.hasPrefix("topic revisit.metrics partition 2 offset 17: not a JSON object"))
    }

    @Test func dates() {
        #expect(CivilDate.dayNumber("1970-01-01") == 0)
        #expect(CivilDate.dayNumber("2024-02-29") == 19_782)
        #expect(CivilDate.dayNumber("2023-02-29") == nil)
        #expect(CivilDate.dayNumber("2024-1-05") == nil)
        #expect(CivilDate.dayNumber("2024-01-05T00:00:00Z") == nil)
        #expect(EventTime.formatDate(19_782) == "2024-02-29")
        #expect(EventTime.formatDate(-1) == "1969-12-31")
    }

    // MARK: - Merging

    @Test func mergesPartitionsPerDayInDateOrder() throws {
        let example = try read(Self.exampleLine)
        var other = example
        other.partition = 1
        other.campaigns = [.init(campaign: "winback", variant: "sms", matured: 1, returned: 1)]
        let later = Self.record(Self.day + 1, partition: 0, active: 4, mau: 8)
        let report = DailyMetricsReport(records: [later, example, other])
        #expect(report.days.map(\.date) == [Self.day, Self.day + 1])
        #expect(report.days.map(\.partitions) == [2, 1])
        let first = report.days[0].totals
        #expect(first.partition == nil)
        #expect(first.activeUsers == 6)
        #expect(first.mau == 18)
        #expect(first.campaigns.last == .init(campaign: "winback", variant: "sms", matured: 6, returned: 4))
    }

    @Test func theLastCopyOfAPartitionsDayCounts() {
        let report = DailyMetricsReport(records: [
            Self.record(partition: 0, active: 100), Self.record(partition: 1, active: 2), Self.record(partition: 0, active: 3),
        ])
        #expect(report.days.count == 1)
        #expect(report.days[0].partitions == 2)
        #expect(report.days[0].totals.activeUsers == 5)
    }

    @Test func fromAndToAreInclusive() {
        let records = (0..<5).map { Self.record(Self.day + Int64($0), partition: 0) }
        #expect(DailyMetricsReport(records: records, from: Self.day + 1, to: Self.day + 3).days.map(\.date)
            == [Self.day + 1, Self.day + 2, Self.day + 3])
        #expect(DailyMetricsReport(records: records, from: Self.day + 4).days.count == 1)
        #expect(DailyMetricsReport(records: records, to: Self.day).days.count == 1)
        #expect(DailyMetricsReport(records: records, from: Self.day + 5).days.isEmpty)
    }

    // MARK: - Rates and output

    @Test func ratesAreAbsentWithoutADenominator() throws {
        let example = try read(Self.exampleLine)
        let day = try #require(DailyMetricsReport(records: [example]).days.first)
        #expect(day.stickiness == 3.0 / 9.0)
        #expect(day.revisitRate == 0.5)
        #expect(day.retentionRates == [1, nil, nil])
        #expect(day.recallRate == nil)

        var recalled = example
        recalled.recalled = 1
        recalled.churnedAtStart = 4
        recalled.mau = 0
        let other = try #require(DailyMetricsReport(records: [recalled]).days.first)
        #expect(other.recallRate == 0.25)
        #expect(other.stickiness == nil)
    }

    @Test func jsonLineHasTheSummedFieldsThenTheRates() throws {
        let report = DailyMetricsReport(records: [try read(Self.exampleLine)])
        #expect(report.jsonLines() == """
            {"date":"2024-01-05","partitions":1,"active_users":3,"wau":5,"mau":9,"new_users":1,\
            "tiers":{"high":0,"medium":8,"low":1,"churned":0},\
            "stages":{"new":2,"active":5,"at_risk":1,"dormant":1,"churned":0,"recalled":0},\
            "became_churned":0,"recalled":0,"churned_at_start":0,"revisit":{"base":4,"returned":2},\
            "retention":{"d1":{"cohort":1,"retained":1,"rate":1},"d7":{"cohort":0,"retained":0},"d30":{"cohort":0,"retained":0}},\
            "campaigns":[{"campaign":"winback","variant":"control","matured":3,"returned":1},\
            {"campaign":"winback","variant":"sms","matured":5,"returned":3}],\
            "stickiness":0.333333,"revisit_rate":0.5}

            """)
    }

    @Test func csvHasFlatColumnsAndEmptyAbsentRates() throws {
        let report = DailyMetricsReport(records: [try read(Self.exampleLine)])
        let lines = report.csv().split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let row = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(header.count == row.count)
        let fields = Dictionary(uniqueKeysWithValues: zip(header, row))
        #expect(fields["date"] == "2024-01-05")
        #expect(fields["tiers_medium"] == "8")
        #expect(fields["stages_at_risk"] == "1")
        #expect(fields["retention_d1_rate"] == "1")
        #expect(fields["retention_d7_rate"] == "")
        #expect(fields["stickiness"] == "0.333333")
        #expect(fields["recall_rate"] == "")
        #expect(header.last == "recall_rate")
    }
}
