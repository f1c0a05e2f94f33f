import Foundation

/// Reads a profile export (SPEC 6 profile records, one JSON object per line) into fit
/// observations, in days:
/// `x = visit_days_total - 1`, `t_x = last_visit_day - first_visit_day`,
/// `T = as_of - first_visit_day`.
///
/// An export of the profile topic holds several records per user (one per session close,
/// midnight change, ...): the reader keeps each user's latest (greatest `as_of`, the later
/// line on a tie), and a tombstone line (`{"user_id": ..., "tombstone": true}`) drops what
/// came before it for that user. Profiles without a visit day are skipped: they carry no
/// history to fit. Observations come out ordered by user id, so a fit is reproducible.
public struct ProfileJSONLReader: Sendable {
    public init() {}

    public func read(_ text: String) throws(ChurnDataError) -> [ChurnObservation] {
        var latest: [String: (asOf: Int, observation: ChurnObservation?)] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            guard let data = line.data(using: .utf8),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            else { throw .notJSONObject(line: lineNumber) }
            guard let user = object["user_id"] as? String else {
                throw .missingField(line: lineNumber, field: "user_id")
            }
            if let tombstone = object["tombstone"] as? Bool, tombstone {
                latest[user] = nil
                continue
            }
            let (asOf, observation) = try Self.observation(object, line: lineNumber)
            if let previous = latest[user], previous.asOf > asOf { continue }
            latest[user] = (asOf, observation)
        }
        let observations = latest.sorted { $0.key < $1.key }.compactMap(\.value.observation)
        guard !observations.isEmpty else { throw .empty(what: "the profile file") }
        return observations
    }

    // MARK: - Fields

    private static func observation(
        _ object: [String: Any], line: Int
    ) throws(ChurnDataError) -> (asOf: Int, ChurnObservation?) {
        let asOf = try day("as_of", in: object, line: line)
        guard let visitDays = try count("visit_days_total", in: object, line: line), visitDays > 0,
              object["first_visit_day"] is String
        else { return (asOf, nil) }
        let first = try day("first_visit_day", in: object, line: line)
        let last = try day("last_visit_day", in: object, line: line)
        guard first <= last, last <= asOf else {
            throw .inconsistentRow(
                line: line, detail: "needs first_visit_day <= last_visit_day <= as_of")
        }
        let observation = ChurnObservation(x: visitDays - 1, tx: Double(last - first), T: Double(asOf - first))
        // Distinct visit days cannot outnumber the days from the first to the last.
        guard observation.isConsistent, visitDays - 1 <= last - first else {
            throw .inconsistentRow(
                line: line, detail: "visit_days_total \(visitDays) does not fit the first and last visit days")
        }
        return (asOf, observation)
    }

    private static func count(_ field: String, in object: [String: Any], line: Int) throws(ChurnDataError) -> Int? {
        guard let value = object[field], !(value is NSNull) else { return nil }
        guard let number = value as? NSNumber, number.doubleValue.rounded() == number.doubleValue,
              number.doubleValue >= 0, number.doubleValue < 1e9
        else {
            throw .badValue(line: line, column: field, value: "\(value)", expected: "a whole number >= 0")
        }
        return number.intValue
    }

    private static func day(_ field: String, in object: [String: Any], line: Int) throws(ChurnDataError) -> Int {
        guard let value = object[field], !(value is NSNull) else { throw .missingField(line: line, field: field) }
        guard let text = value as? String, let day = CivilDate.dayNumber(text).map({ Int($0) }) else {
            throw .badValue(line: line, column: field, value: "\(value)", expected: "a date YYYY-MM-DD")
        }
        return day
    }
}
