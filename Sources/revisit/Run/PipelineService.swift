import Foundation
import Logging
import RevisitRuntime
import ServiceLifecycle
import Synchronization

/// Runs a ``PipelineRunner`` as a swift-service-lifecycle `Service`: the runner's blocking
/// loop gets a thread of its own (it owns the Kafka clients), and a graceful shutdown
/// (SIGTERM, SIGINT) or the cancellation of the group (another service failed) sets the flag
/// the loop checks between batches, so the in-flight batch finishes, the last checkpoint is
/// written and the group is left before `run()` returns.
struct PipelineService: Service {
    var configuration: PipelineRunnerConfiguration
    let logger: Logger
    /// Awaited before the runner starts (the HTTP server listening); throws to not start.
    var startsAfter: @Sendable () async throws -> Void = {}
    /// Receives the summary when the runner stops.
    let completion: @Sendable (PipelineRunSummary) -> Void

    func run() async throws {
        try await startsAfter()
        let stop = StopFlag()
        let summary = try await withTaskCancellationOrGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PipelineRunSummary, Error>) in
                let thread = Thread { [configuration, logger] in
                    do {
                        let runner = PipelineRunner(configuration: configuration, logger: logger)
                        continuation.resume(returning: try runner.run(until: { stop.isSet }))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "revisit-pipeline"
                thread.start()
            }
        } onCancelOrGracefulShutdown: {
            stop.set()
        }
        completion(summary)
    }
}

/// A flag one thread sets and another polls.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .acquiring) }

    func set() { flag.store(true, ordering: .releasing) }
}
