import Hummingbird
import RevisitCore

/// The `from` and `to` query parameters of the daily and campaign endpoints: reporting-zone
/// dates `YYYY-MM-DD`, both inclusive, either left out for an open end.
struct DateRangeQuery: Sendable, Equatable {
    var from: Int64?
    var to: Int64?

    /// Reads the range of `request`.
    ///
    /// - Throws: a 400 ``APIError`` naming the parameter for a value that is not a date, a
    ///   parameter given twice, or a `from` after `to`.
    init(_ request: Request) throws(APIError) {
        from = try Self.date("from", in: request)
        to = try Self.date("to", in: request)
        if let from, let to, from > to {
            throw APIError(
                .badRequest, "from \(EventTime.formatDate(from)) is after to \(EventTime.formatDate(to))", parameter: "from")
        }
    }

    init(from: Int64?, to: Int64?) {
        self.from = from
        self.to = to
    }

    private static func date(_ name: String, in request: Request) throws(APIError) -> Int64? {
        let values = request.uri.queryParameters[values: Substring(name)]
        guard let text = values.first else { return nil }
        guard values.count == 1 else { throw APIError(.badRequest, "\(name) is given \(values.count) times; give it once", parameter: name) }
        guard let day = CivilDate.dayNumber(text) else {
            throw APIError(.badRequest, "\(name) takes a date YYYY-MM-DD, got \(APIError.shown(text))", parameter: name)
        }
        return day
    }
}
