import Logging
import RevisitServer
import ServiceLifecycle

/// The HTTP server of `revisit run --http` (`/metrics`, `/healthz`, `/readyz`) as a
/// `Service` of the command's group, declared before the pipeline: the group shuts services
/// down in reverse order, so the server answers while the pipeline writes its last
/// checkpoint, and stops after it.
///
/// Its stop is bounded: when the group shuts down, the server stops taking connections and
/// closes idle ones; connections still open after ``grace`` (a client in the middle of a
/// slow request) are cut, so no client can hold the process up.
struct ObservabilityService: Service {
    let server: any Service
    /// Where it listens, for errors.
    let address: HTTPListenAddress
    var grace: Duration = .seconds(2)

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Both children see the group's graceful shutdown: the server quiesces meanwhile.
            group.addTask {
                do {
                    try await server.run()
                } catch {
                    throw HTTPServerError(address: address, underlying: error)
                }
            }
            group.addTask {
                try await gracefulShutdown()
                try await Task.sleep(for: grace)
            }
            // The server failing (the address taken) ends this at once, with its error.
            try await group.next()
            group.cancelAll()
        }
    }
}
