/// One partition's daily aggregate (SPEC 7), written when the day closes.
///
/// The records of one date from every partition add up field by field (users are
/// partitioned by key); ``DailyMetricsRecord/merging(_:)`` does that, and
/// ``DailyMetricsReport`` derives the rates an operator reads.
public struct DailyMetricsRecord: Sendable, Equatable {
    /// The reporting-zone date `D`, as days since 1970-01-01.
    public var date: Int64
    /// The partition that wrote the record; nil for a sum over partitions.
    public var partition: Int?
    public var activeUsers = 0
    public var wau = 0
    public var mau = 0
    public var newUsers = 0
    /// Users per tier at the close, indexed by ``Segment/rawValue``.
    public var tiers = [Int](repeating: 0, count: Segment.allCases.count)
    /// Users per lifecycle stage at the close, indexed by ``LifecycleStage/rawValue``.
    public var stages = [Int](repeating: 0, count: LifecycleStage.allCases.count)
    public var becameChurned = 0
    public var recalled = 0
    public var churnedAtStart = 0
    public var revisit = Cohort()
    /// `d1`, `d7` and `d30`, in the order of ``DailyMetricsRecord/retentionDays``.
    public var retention = [Cohort](repeating: Cohort(), count: DailyMetricsRecord.retentionDays.count)
    /// Sorted by campaign, then variant (nil first); only entries with `matured > 0`.
    public var campaigns: [CampaignOutcome] = []

    /// The `N` of `retention.dN`.
    public static let retentionDays = [1, 7, 30]

    public init(date: Int64, partition: Int?) {
        self.date = date
        self.partition = partition
    }

    /// A base and the part of it that came back (`revisit`, `retention.dN`).
    public struct Cohort: Sendable, Equatable {
        /// `revisit.base` or `retention.dN.cohort`.
        public var base = 0
        /// `revisit.returned` or `retention.dN.retained`.
        public var returned = 0

        public init(base: Int = 0, returned: Int = 0) {
            self.base = base
            self.returned = returned
        }
    }

    /// Win-back touches of one campaign and variant that matured on the date.
    public struct CampaignOutcome: Sendable, Equatable {
        public var campaign: String
        public var variant: String?
        public var matured: Int
        public var returned: Int

        public init(campaign: String, variant: String?, matured: Int, returned: Int) {
            self.campaign = campaign
            self.variant = variant
            self.matured = matured
            self.returned = returned
        }

        /// SPEC 7's order: campaign, then variant with a missing variant first.
        public static func precedes(_ a: CampaignOutcome, _ b: CampaignOutcome) -> Bool {
            if a.campaign != b.campaign { return a.campaign < b.campaign }
            switch (a.variant, b.variant) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x < y
            }
        }
    }

    // MARK: - Merging

    /// The field-by-field sum of records of the same date (any partitions): the day's figure
    /// for the whole pipeline, with `partition` nil.
    public static func merging(_ records: some Sequence<DailyMetricsRecord>) -> DailyMetricsRecord? {
        var iterator = records.makeIterator()
        guard var sum = iterator.next() else { return nil }
        sum.partition = nil
        while let r = iterator.next() {
            precondition(r.date == sum.date, "merging records of different dates")
            sum.add(r)
        }
        return sum
    }

    /// Adds `other`'s counts to these (campaign entries of the same campaign and variant
    /// are summed, the list stays in SPEC order).
    public mutating func add(_ other: DailyMetricsRecord) {
        activeUsers += other.activeUsers
        wau += other.wau
        mau += other.mau
        newUsers += other.newUsers
        for i in tiers.indices { tiers[i] += other.tiers[i] }
        for i in stages.indices { stages[i] += other.stages[i] }
        becameChurned += other.becameChurned
        recalled += other.recalled
        churnedAtStart += other.churnedAtStart
        revisit.base += other.revisit.base
        revisit.returned += other.revisit.returned
        for i in retention.indices {
            retention[i].base += other.retention[i].base
            retention[i].returned += other.retention[i].returned
        }
        campaigns = Self.summing(campaigns + other.campaigns)
    }

    /// Entries of the same campaign and variant summed, in SPEC order.
    public static func summing(_ entries: [CampaignOutcome]) -> [CampaignOutcome] {
        var result: [CampaignOutcome] = []
        for entry in entries.sorted(by: CampaignOutcome.precedes) {
            if let last = result.last, last.campaign == entry.campaign, last.variant == entry.variant {
                result[result.count - 1].matured += entry.matured
                result[result.count - 1].returned += entry.returned
            } else {
                result.append(entry)
            }
        }
        return result
    }
}
