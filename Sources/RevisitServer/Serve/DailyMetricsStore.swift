import Foundation
import RevisitCore
import Synchronization

/// The daily aggregate records of the metrics topic (SPEC 7), the latest per partition and
/// date, merged per day on request as `revisit metrics` merges them.
///
/// The topic is compacted by date on a real cluster; until its cleaner runs it may hold an
/// older copy of a partition's day before the newer one, and the later record counts.
public final class DailyMetricsStore: Sendable {
    private let records = Mutex<[Int64: [Int: DailyMetricsRecord]]>([:])

    public init() {}

    // MARK: - Applying the topic

    /// Applies one message of the metrics topic (key: the date). An empty value is a
    /// deletion marker of a compacted topic: it removes that partition's record of the date.
    ///
    /// - Throws: the reader's error, naming the message and the field, for a value that is
    ///   not a daily record; the store is left as it was.
    public func apply(
        key: [UInt8]?, value: [UInt8], partition: Int, source: DailyMetricsReader.Source
    ) throws(DailyMetricsReader.ReadError) {
        guard !value.isEmpty else {
            if let key, let date = CivilDate.dayNumber(String(decoding: key, as: UTF8.self)) {
                records.withLock { records in
                    records[date]?[partition] = nil
                    if records[date]?.isEmpty == true { records[date] = nil }
                }
            }
            return
        }
        let record = try DailyMetricsReader().record(Data(value), source: source)
        add(record)
    }

    /// Adds a record, replacing the one of the same partition and date.
    public func add(_ record: DailyMetricsRecord) {
        records.withLock { $0[record.date, default: [:]][record.partition ?? -1] = record }
    }

    // MARK: - Reading

    /// The days from `from` to `to` (day numbers, inclusive; nil: open), each the sum of its
    /// partitions' records with the rates.
    public func report(from: Int64? = nil, to: Int64? = nil) -> DailyMetricsReport {
        let selected = records.withLock { records in
            records.filter { date, _ in (from.map { date >= $0 } ?? true) && (to.map { date <= $0 } ?? true) }
        }
        return DailyMetricsReport(records: selected.values.flatMap(\.values), from: from, to: to)
    }

    /// The first and last date held, or nil when empty.
    public var dateRange: ClosedRange<Int64>? {
        records.withLock { records in
            guard let first = records.keys.min(), let last = records.keys.max() else { return nil }
            return first...last
        }
    }

    /// How many partition records the store holds.
    public var recordCount: Int {
        records.withLock { $0.values.reduce(0) { $0 + $1.count } }
    }
}
