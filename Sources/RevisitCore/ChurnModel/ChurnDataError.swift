/// Why a fit input (summary CSV or profile JSONL) cannot be read. Every case names the line
/// (1-based, as an editor shows it) and, where there is one, the column or field.
public enum ChurnDataError: Error, Equatable, CustomStringConvertible {
    /// The input has no header line, or no data rows.
    case empty(what: String)
    /// The CSV header lacks a required column.
    case missingColumn(name: String, header: [String])
    /// A CSV row has fewer fields than the header needs.
    case missingValue(line: Int, column: String)
    /// A value is not what its column or field holds.
    case badValue(line: Int, column: String, value: String, expected: String)
    /// A quoted CSV field is not closed before the end of the input.
    case unterminatedQuote(line: Int)
    /// The values of a row contradict each other (recency after T, recency without repeats).
    case inconsistentRow(line: Int, detail: String)
    /// A JSONL line is not a JSON object.
    case notJSONObject(line: Int)
    /// A JSONL record lacks a field the fit needs.
    case missingField(line: Int, field: String)

    public var description: String {
        switch self {
        case let .empty(what):
            "\(what) has no data rows"
        case let .missingColumn(name, header):
            "the header has no column \"\(name)\" (columns: \(header.joined(separator: ", "))); "
                + "a summary CSV needs frequency, recency and T"
        case let .missingValue(line, column):
            "line \(line): no value for column \"\(column)\""
        case let .badValue(line, column, value, expected):
            "line \(line): \(column) \"\(value)\" is not \(expected)"
        case let .unterminatedQuote(line):
            "line \(line): a quoted field is not closed"
        case let .inconsistentRow(line, detail):
            "line \(line): \(detail)"
        case let .notJSONObject(line):
            "line \(line): not a JSON object"
        case let .missingField(line, field):
            "line \(line): no \"\(field)\" field"
        }
    }
}
