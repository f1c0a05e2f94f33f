import Hummingbird
import Logging

/// Makes every failure a JSON error: ``APIError``s as they are, Hummingbird's own (an unknown
/// path) with their status, anything else a 500 that is logged. Requests other than GET are
/// refused before routing: the server is read-only.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get else {
            return APIError(.methodNotAllowed, "\(request.method.rawValue) is not served: this server is read-only (GET only)").response
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            let message = error.status == .notFound
                ? "no such path: \(String(request.uri.path.prefix(200))) (the API is under /api/v1/, the dashboard at /)"
                : error.body ?? error.status.reasonPhrase
            return APIError(error.status, message).response
        } catch {
            // A profile's path holds a user id, which no log line may.
            let path = request.uri.path.hasPrefix(ServeAPI.profilePrefix) ? ServeAPI.profilePrefix + "..." : String(request.uri.path.prefix(200))
            logger.error("\(request.method.rawValue) \(path): \(error)")
            return APIError(.internalServerError, "internal error; see the server's log").response
        }
    }
}
