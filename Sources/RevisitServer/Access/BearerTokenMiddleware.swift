import Hummingbird
import Prometheus

/// Lets a request through to the routes of one protected endpoint only with
/// `Authorization: Bearer <token>` of one of its tokens; any other gets 401 with a JSON
/// error and `WWW-Authenticate`, and is counted. Nothing is logged: a refused request says
/// nothing worth a line, and a log must never hold what a client sent as its token.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: AccessTokens
    /// Requests without a bearer token, and with one that is not valid.
    let missing: Counter
    let invalid: Counter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = request.headers[.authorization].flatMap(HTTPAccessControl.bearerToken) else {
            missing.increment()
            return Self.refusal(
                "this endpoint needs a bearer token: send the header Authorization: Bearer <token>",
                challenge: #"Bearer realm="revisit""#)
        }
        guard tokens.accepts(token) else {
            invalid.increment()
            return Self.refusal("the bearer token is not valid", challenge: #"Bearer realm="revisit", error="invalid_token""#)
        }
        return try await next(request, context)
    }

    private static func refusal(_ message: String, challenge: String) -> Response {
        var response = APIError(.unauthorized, message).response
        response.headers[.wwwAuthenticate] = challenge
        return response
    }
}
