/// The daily figures of SPEC 7 for the whole pipeline: the partition records of each day
/// added up, with the rates an operator reads (`revisit metrics`).
///
/// A rate whose denominator is 0 is absent: `nil` here, its key left out of the JSON line
/// and its CSV field left empty. Writing 0 would read as "nobody came back", and `null`
/// would make every consumer test for it; an absent key says "not defined that day".
public struct DailyMetricsReport: Sendable, Equatable {
    /// The merged figures of one day.
    public struct Day: Sendable, Equatable {
        /// The field-by-field sum of the day's partition records (`partition` nil).
        public var totals: DailyMetricsRecord
        /// How many partition records were added: fewer than the pipeline's partitions
        /// means some partition has not closed the day yet, or its record is missing.
        public var partitions: Int

        public init(totals: DailyMetricsRecord, partitions: Int) {
            self.totals = totals
            self.partitions = partitions
        }

        public var date: Int64 { totals.date }

        /// `active_users / mau`: the share of the month's users that came on the day.
        public var stickiness: Double? { DailyMetricsReport.rate(totals.activeUsers, of: totals.mau) }

        /// `revisit.returned / revisit.base`.
        public var revisitRate: Double? { DailyMetricsReport.rate(totals.revisit.returned, of: totals.revisit.base) }

        /// `retention.dN.retained / retention.dN.cohort`, in the order of
        /// ``DailyMetricsRecord/retentionDays``.
        public var retentionRates: [Double?] { totals.retention.map { DailyMetricsReport.rate($0.returned, of: $0.base) } }

        /// `recalled / churned_at_start`.
        public var recallRate: Double? { DailyMetricsReport.rate(totals.recalled, of: totals.churnedAtStart) }
    }

    /// One entry per date that has at least one record in the range, in date order.
    public private(set) var days: [Day]

    /// Merges `records` per date, keeping dates in `from...to` (day numbers; nil: open).
    ///
    /// When the same partition and date come more than once, the last one counts: the metrics
    /// topic is compacted by date on a real cluster, and until the cleaner has run it may
    /// still hold an older copy before the newer one.
    public init(records: some Sequence<DailyMetricsRecord>, from: Int64? = nil, to: Int64? = nil) {
        var latest: [Int64: [Int?: DailyMetricsRecord]] = [:]
        for record in records {
            if let from, record.date < from { continue }
            if let to, record.date > to { continue }
            latest[record.date, default: [:]][record.partition] = record
        }
        days = latest.keys.sorted().map { date in
            let byPartition = latest[date]!
            let ordered = byPartition.sorted { ($0.key ?? -1) < ($1.key ?? -1) }.map(\.value)
            return Day(totals: DailyMetricsRecord.merging(ordered)!, partitions: byPartition.count)
        }
    }

    /// `part / whole`, or nil when `whole` is 0.
    public static func rate(_ part: Int, of whole: Int) -> Double? {
        whole == 0 ? nil : Double(part) / Double(whole)
    }

    // MARK: - JSON

    /// One JSON object per day and line (JSONL): `date`, `partitions`, the summed fields with
    /// the record's names and nesting, `rate` inside each `retention.dN`, then
    /// `stickiness`, `revisit_rate` and `recall_rate`. Absent rates have no key.
    public func jsonLines() -> String {
        var out = JSONBuffer()
        for day in days {
            Self.append(day, to: &out)
            out.byte(0x0A)
        }
        return out.text
    }

    private static func append(_ day: Day, to out: inout JSONBuffer) {
        OutputEncoder.appendFields(
            of: day.totals, to: &out, partitions: day.partitions, retentionRates: day.retentionRates)
        if let stickiness = day.stickiness {
            out.key("stickiness")
            out.decimal(stickiness)
        }
        if let revisitRate = day.revisitRate {
            out.key("revisit_rate")
            out.decimal(revisitRate)
        }
        if let recallRate = day.recallRate {
            out.key("recall_rate")
            out.decimal(recallRate)
        }
        out.byte(0x7D)
    }

    // MARK: - CSV

    /// The CSV header: the JSON fields flattened with `_` (`tiers_high`,
    /// `retention_d7_rate`), without `campaigns` (see ``CampaignEvaluation``).
    public static var csvHeader: String {
        var columns = ["date", "partitions", "active_users", "wau", "mau", "new_users"]
        columns += Segment.allCases.map { "tiers_" + $0.name }
        columns += LifecycleStage.reportOrder.map { "stages_" + $0.name }
        columns += ["became_churned", "recalled", "churned_at_start", "revisit_base", "revisit_returned"]
        for days in DailyMetricsRecord.retentionDays {
            columns += ["cohort", "retained", "rate"].map { "retention_d\(days)_" + $0 }
        }
        columns += ["stickiness", "revisit_rate", "recall_rate"]
        return columns.joined(separator: ",")
    }

    /// The header line and one line per day; absent rates are empty fields.
    public func csv() -> String {
        var text = Self.csvHeader + "\n"
        for day in days {
            let m = day.totals
            var fields = [EventTime.formatDate(m.date)]
            fields += [day.partitions, m.activeUsers, m.wau, m.mau, m.newUsers].map(String.init)
            fields += Segment.allCases.map { String(m.tiers[Int($0.rawValue)]) }
            fields += LifecycleStage.reportOrder.map { String(m.stages[Int($0.rawValue)]) }
            fields += [m.becameChurned, m.recalled, m.churnedAtStart, m.revisit.base, m.revisit.returned].map(String.init)
            for (cohort, rate) in zip(m.retention, day.retentionRates) {
                fields += [String(cohort.base), String(cohort.returned), Self.csvNumber(rate)]
            }
            fields += [day.stickiness, day.revisitRate, day.recallRate].map(Self.csvNumber)
            text += fields.joined(separator: ",") + "\n"
        }
        return text
    }

    /// A rate as the JSON lines write it (six places at most), or an empty field.
    static func csvNumber(_ value: Double?) -> String {
        guard let value else { return "" }
        var out = JSONBuffer(capacity: 32)
        out.decimal(value)
        return out.text
    }
}
