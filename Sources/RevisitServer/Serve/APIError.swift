import Hummingbird
import RevisitCore

/// A request the API cannot answer, as the client gets it: a status and a JSON body
/// `{"error": "...", "status": 400}` that says what was wrong and what is accepted.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// The query parameter at fault, when one is.
    public var parameter: String?

    public init(_ status: HTTPResponse.Status, _ message: String, parameter: String? = nil) {
        self.status = status
        self.message = message
        self.parameter = parameter
    }

    public var description: String { "\(status.code) \(message)" }

    /// A value a client sent, quoted for a message, cut at 64 characters: a 10 MB parameter
    /// is not echoed back.
    static func shown(_ text: some StringProtocol) -> String {
        text.count > 64 ? "\"\(text.prefix(64))...\" (\(text.utf8.count) bytes)" : "\"\(text)\""
    }

    /// The response the client gets.
    public var response: Response {
        // The outputs' JSON writer: it leaves `/` in paths as it is.
        var body = JSONBuffer(capacity: 256)
        body.byte(0x7B)
        body.key("error", first: true)
        body.string(message)
        body.key("status")
        body.integer(status.code)
        if let parameter {
            body.key("parameter")
            body.string(parameter)
        }
        body.byte(0x7D)
        var response = ObservabilityRoutes.json(status, body.text)
        if status == .methodNotAllowed { response.headers[.allow] = "GET" }
        return response
    }
}
