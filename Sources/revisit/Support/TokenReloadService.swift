import Logging
import RevisitServer
import ServiceLifecycle
import UnixSignals

/// Reads the token files again on SIGHUP, so that a token is rotated without a restart: add
/// the new token to the file, `kill -HUP`, move the clients over, remove the old one,
/// `kill -HUP` again. A file that cannot be used then is logged and the tokens in use stay.
struct TokenReloadService: Service {
    let tokens: [AccessTokens]
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            for set in tokens {
                do {
                    let count = try set.reload()
                    logger.notice("SIGHUP: \(count) token\(count == 1 ? "" : "s") from \(set.source)")
                } catch {
                    logger.error("SIGHUP: \(error); the tokens in use are kept")
                }
            }
        }
    }
}
