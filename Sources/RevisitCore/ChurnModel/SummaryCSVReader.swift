/// Reads a per-customer summary CSV (`frequency, recency, T`, as exported by common
/// customer-lifetime tools) into fit observations.
///
/// Columns are found by header name, in any order, among any others; names match exactly
/// first, then ignoring case and surrounding spaces. Fields may be quoted (RFC 4180, `""`
/// for a quote), lines may end in CRLF, blank lines are skipped. Times may be in any unit:
/// `timeUnitDays` converts them to days (7 for weeks), so `alpha` comes out in days.
public struct SummaryCSVReader: Sendable {
    /// Days per time unit of the `recency` and `T` columns.
    public var timeUnitDays: Double

    public init(timeUnitDays: Double = 1) {
        self.timeUnitDays = timeUnitDays
    }

    /// The observations of `text`, in row order.
    public func read(_ text: String) throws(ChurnDataError) -> [ChurnObservation] {
        let records = try Self.records(text)
        guard let header = records.first else { throw .empty(what: "the CSV") }
        let names = header.fields
        let frequency = try Self.column("frequency", in: names)
        let recency = try Self.column("recency", in: names)
        let age = try Self.column("T", in: names)

        var observations: [ChurnObservation] = []
        observations.reserveCapacity(records.count - 1)
        for record in records.dropFirst() {
            let line = record.line
            func field(_ index: Int, _ name: String) throws(ChurnDataError) -> String {
                guard index < record.fields.count else { throw .missingValue(line: line, column: name) }
                return record.fields[index].trimmingSpaces
            }
            let xText = try field(frequency, "frequency")
            guard let xValue = Double(xText), xValue >= 0, xValue == xValue.rounded(), xValue < 1e9 else {
                throw .badValue(line: line, column: "frequency", value: xText, expected: "a whole number >= 0")
            }
            let txText = try field(recency, "recency")
            guard let tx = Double(txText), tx.isFinite, tx >= 0 else {
                throw .badValue(line: line, column: "recency", value: txText, expected: "a number >= 0")
            }
            let tText = try field(age, "T")
            guard let t = Double(tText), t.isFinite, t >= 0 else {
                throw .badValue(line: line, column: "T", value: tText, expected: "a number >= 0")
            }
            guard tx <= t else {
                throw .inconsistentRow(line: line, detail: "recency \(txText) is after T \(tText)")
            }
            guard xValue > 0 || tx == 0 else {
                throw .inconsistentRow(line: line, detail: "recency \(txText) with frequency 0 (must be 0)")
            }
            observations.append(ChurnObservation(x: Int(xValue), tx: tx * timeUnitDays, T: t * timeUnitDays))
        }
        guard !observations.isEmpty else { throw .empty(what: "the CSV") }
        return observations
    }

    // MARK: - CSV

    struct Record {
        var line: Int
        var fields: [String]
    }

    private static func column(_ name: String, in header: [String]) throws(ChurnDataError) -> Int {
        let trimmed = header.map(\.trimmingSpaces)
        if let exact = trimmed.firstIndex(of: name) { return exact }
        if let loose = trimmed.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return loose }
        throw .missingColumn(name: name, header: trimmed)
    }

    /// Splits `text` into records of fields, each with the line it starts on; a quoted field
    /// may span lines. Blank lines produce no record.
    static func records(_ text: String) throws(ChurnDataError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var quoteLine = 1
        var fieldWasQuoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        if pending == "\u{FEFF}" { pending = scalars.next() }

        func endRecord() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].trimmingSpaces.isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = ""
            fieldWasQuoted = false
        }

        while let c = pending {
            pending = scalars.next()
            if inQuotes {
                if c == "\"" {
                    if pending == "\"" {
                        field.unicodeScalars.append("\"")
                        pending = scalars.next()
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.trimmingSpaces.isEmpty:
                inQuotes = true
                fieldWasQuoted = true
                quoteLine = line
                field = ""
            case ",":
                fields.append(field)
                field = ""
            case "\r" where pending == "\n":
                continue
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw .unterminatedQuote(line: quoteLine) }
        endRecord()
        return records
    }
}

fileprivate extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
