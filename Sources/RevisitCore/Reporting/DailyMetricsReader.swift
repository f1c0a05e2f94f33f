import Foundation

/// Reads the daily aggregate records of SPEC 7, as the pipeline writes them to the metrics
/// topic and a replay to `metrics.jsonl`, back into ``DailyMetricsRecord`` values.
///
/// Every field of the record must be there with a value of its kind (counts are whole numbers
/// `>= 0`, `date` a `YYYY-MM-DD`, `partition` a whole number): a record that lacks one cannot
/// be added to the others of its day without changing the sum. Fields the record does not
/// define are ignored, so that a reader of this version still reads records that carry more.
public struct DailyMetricsReader: Sendable {
    public init() {}

    // MARK: - Sources and errors

    /// Where a record was read from, for error messages.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// Line `number` (1-based, as an editor shows it) of a JSONL file.
        case line(file: String, number: Int)
        /// A message of a Kafka topic.
        case message(topic: String, partition: Int, offset: Int64)

        public var description: String {
            switch self {
            case let .line(file, number): "\(file):\(number)"
            case let .message(topic, partition, offset): "topic \(topic) partition \(partition) offset \(offset)"
            }
        }
    }

    /// Why a record cannot be read: where it came from, and the field at fault as a path
    /// (`mau`, `retention.d7.cohort`, `campaigns[1].variant`).
    public struct ReadError: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Problem: Sendable, Equatable {
            /// The line or message is not a JSON object.
            case notJSONObject
            /// A field is missing (or null where a value is needed).
            case missingField(String)
            /// A field holds something other than what it must.
            case badValue(field: String, value: String, expected: String)
        }

        public var source: Source
        public var problem: Problem

        public init(source: Source, problem: Problem) {
            self.source = source
            self.problem = problem
        }

        public var description: String {
            switch problem {
            case .notJSONObject:
                "\(source): not a JSON object (a daily metrics record is one JSON object per line)"
            case let .missingField(field):
                "\(source): no \"\(field)\" field"
            case let .badValue(field, value, expected):
                "\(source): \(field) is \(value), not \(expected)"
            }
        }
    }

    // MARK: - Reading

    /// The records of a JSONL text in line order. Blank lines are skipped; the first line that
    /// is not a record stops the reading with its line number.
    public func records(jsonl data: Data, file: String) throws(ReadError) -> [DailyMetricsRecord] {
        var records: [DailyMetricsRecord] = []
        var number = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            records.append(try record(Data(line), source: .line(file: file, number: number)))
        }
        return records
    }

    /// One record from the bytes of a line or a message value.
    public func record(_ bytes: Data, source: Source) throws(ReadError) -> DailyMetricsRecord {
        guard let values = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] else {
            throw ReadError(source: source, problem: .notJSONObject)
        }
        let object = Fields(values: values, path: "", source: source)
        let dateText = try object.string("date")
        guard let date = CivilDate.dayNumber(dateText) else {
            throw object.bad("date", dateText, expected: "a date YYYY-MM-DD")
        }
        var record = DailyMetricsRecord(date: date, partition: try object.count("partition"))
        record.activeUsers = try object.count("active_users")
        record.wau = try object.count("wau")
        record.mau = try object.count("mau")
        record.newUsers = try object.count("new_users")
        let tiers = try object.object("tiers")
        for tier in Segment.allCases {
            record.tiers[Int(tier.rawValue)] = try tiers.count(tier.name)
        }
        let stages = try object.object("stages")
        for stage in LifecycleStage.reportOrder {
            record.stages[Int(stage.rawValue)] = try stages.count(stage.name)
        }
        record.becameChurned = try object.count("became_churned")
        record.recalled = try object.count("recalled")
        record.churnedAtStart = try object.count("churned_at_start")
        let revisit = try object.object("revisit")
        record.revisit = DailyMetricsRecord.Cohort(base: try revisit.count("base"), returned: try revisit.count("returned"))
        let retention = try object.object("retention")
        for (i, days) in DailyMetricsRecord.retentionDays.enumerated() {
            let cohort = try retention.object("d\(days)")
            record.retention[i] = DailyMetricsRecord.Cohort(base: try cohort.count("cohort"), returned: try cohort.count("retained"))
        }
        var campaigns: [DailyMetricsRecord.CampaignOutcome] = []
        for entry in try object.objects("campaigns") {
            campaigns.append(DailyMetricsRecord.CampaignOutcome(
                campaign: try entry.string("campaign"), variant: try entry.optionalString("variant"),
                matured: try entry.count("matured"), returned: try entry.count("returned")))
        }
        // Sums over days rely on SPEC order; a hand-edited file may not keep it.
        record.campaigns = DailyMetricsRecord.summing(campaigns)
        return record
    }
}

// MARK: - Fields

/// A JSON object of a record, read field by field; errors name the field by its path.
private struct Fields {
    var values: [String: Any]
    /// The path of this object inside the record, with a trailing `.` (empty at the top).
    var path: String
    var source: DailyMetricsReader.Source

    func bad(_ key: String, _ value: Any, expected: String) -> DailyMetricsReader.ReadError {
        let shown: String
        if let text = value as? String {
            shown = "\"\(text)\""
        } else if value is NSNull {
            shown = "null"
        } else if let number = value as? NSNumber, number.isBoolean {
            shown = number.boolValue ? "true" : "false"
        } else {
            shown = "\(value)"
        }
        return DailyMetricsReader.ReadError(source: source, problem: .badValue(field: path + key, value: shown, expected: expected))
    }

    private func value(_ key: String) throws(DailyMetricsReader.ReadError) -> Any {
        guard let value = values[key], !(value is NSNull) else {
            throw DailyMetricsReader.ReadError(source: source, problem: .missingField(path + key))
        }
        return value
    }

    /// A whole number >= 0 (not a JSON boolean, which Foundation also hands over as a number).
    func count(_ key: String) throws(DailyMetricsReader.ReadError) -> Int {
        let raw = try value(key)
        guard let number = raw as? NSNumber, !number.isBoolean, number.doubleValue >= 0, number.doubleValue < 1e15,
              let count = Int(exactly: number.doubleValue)
        else { throw bad(key, raw, expected: "a whole number >= 0") }
        return count
    }

    func string(_ key: String) throws(DailyMetricsReader.ReadError) -> String {
        let raw = try value(key)
        guard let text = raw as? String else { throw bad(key, raw, expected: "a string") }
        return text
    }

    /// A string, or nil when the field is null or absent.
    func optionalString(_ key: String) throws(DailyMetricsReader.ReadError) -> String? {
        guard let raw = values[key], !(raw is NSNull) else { return nil }
        guard let text = raw as? String else { throw bad(key, raw, expected: "a string or null") }
        return text
    }

    func object(_ key: String) throws(DailyMetricsReader.ReadError) -> Fields {
        let raw = try value(key)
        guard let object = raw as? [String: Any] else { throw bad(key, raw, expected: "an object") }
        return Fields(values: object, path: path + key + ".", source: source)
    }

    func objects(_ key: String) throws(DailyMetricsReader.ReadError) -> [Fields] {
        let raw = try value(key)
        guard let list = raw as? [Any] else { throw bad(key, raw, expected: "a list") }
        var result: [Fields] = []
        for (i, element) in list.enumerated() {
            guard let object = element as? [String: Any] else { throw bad("\(key)[\(i)]", element, expected: "an object") }
            result.append(Fields(values: object, path: path + "\(key)[\(i)].", source: source))
        }
        return result
    }
}

extension NSNumber {
    /// Whether JSON parsing made this number of `true` or `false` (type code `c`).
    fileprivate var isBoolean: Bool { objCType.pointee == CChar(UInt8(ascii: "c")) }
}
