/// Reading and writing event-time instants (epoch milliseconds) the way events and outputs
/// spell them.
public enum EventTime {
    /// Parses epoch milliseconds (`1710000000000`) or an RFC 3339 date-time with offset.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        if !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), bytes.count <= 18 {
            return Int64(text)
        }
        if case .success(let t) = TimestampParser.parseRFC3339(bytes) { return t }
        return nil
    }

    /// RFC 3339 UTC with milliseconds: `2024-03-10T07:30:00.000Z`.
    public static func format(_ instant: Int64) -> String {
        unquoted { $0.timestamp(instant) }
    }

    /// A date (days since 1970-01-01) as `YYYY-MM-DD`.
    public static func formatDate(_ day: Int64) -> String {
        unquoted { $0.date(day) }
    }

    /// What `write` puts into a JSON buffer as a quoted string, without the quotes.
    private static func unquoted(_ write: (inout JSONBuffer) -> Void) -> String {
        var out = JSONBuffer(capacity: 32)
        write(&out)
        return String(out.text.dropFirst().dropLast())
    }
}
