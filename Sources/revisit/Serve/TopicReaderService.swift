import Foundation
import Logging
import RevisitKafka
import RevisitServer
import ServiceLifecycle

/// Runs a ``TopicFollower`` as a swift-service-lifecycle `Service`: the follower's blocking
/// loop gets a thread of its own (it owns the Kafka consumer), at a lower priority than the
/// HTTP server's (``ReaderPriority``), and a graceful shutdown, or the cancellation of the
/// group (the HTTP server could not listen), sets the flag the loop checks after each poll and
/// ends the alert streams, which would otherwise keep the HTTP server from stopping.
struct TopicReaderService: Service {
    let kafka: KafkaConfiguration
    let stores: ServeStores
    let health: ProcessHealth
    let gauges: ServeGauges
    let logger: Logger

    func run() async throws {
        let stop = StopFlag()
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                let thread = Thread { [kafka, stores, health, gauges, logger] in
                    ReaderPriority.lower()
                    do {
                        let follower = TopicFollower(kafka: kafka, stores: stores, health: health, gauges: gauges, logger: logger)
                        try follower.run(until: { stop.isSet })
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "revisit-serve-reader"
                thread.start()
            }
        } onCancelOrGracefulShutdown: {
            stop.set()
            stores.alerts.close()
        }
    }
}
