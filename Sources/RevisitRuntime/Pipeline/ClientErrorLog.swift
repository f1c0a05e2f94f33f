import Foundation
import Logging
import RevisitKafka
import Synchronization

/// The errors the Kafka clients of a `revisit run` process report while librdkafka recovers
/// from them by itself (a broker down, a request timed out, a failed authentication):
/// counted for the metrics, and logged once per client and error code every
/// ``interval``, with how many more came meanwhile, so that a long outage neither floods
/// the log nor goes unseen.
///
/// Fatal client errors are not noted here: they stop the pipeline (see ``PipelineRunner``).
final class ClientErrorLog: Sendable {
    private struct State {
        var counts: [ClientErrorKind: Int] = [:]
        /// When each kind was last logged, and how many came since.
        var lastLogged: [ClientErrorKind: (at: Date, suppressed: Int)] = [:]
    }

    /// The shortest time between two log lines of one kind.
    let interval: TimeInterval
    private let clock: any RuntimeClock
    private let logger: Logger
    private let state = Mutex(State())

    init(logger: Logger, clock: any RuntimeClock, interval: TimeInterval = 10) {
        self.logger = logger
        self.clock = clock
        self.interval = interval
    }

    /// Counts `error` of `client`, and logs it unless one of its kind was logged less than
    /// ``interval`` ago.
    func note(_ error: KafkaError, client: ClientErrorKind.Client) {
        let kind = ClientErrorKind(client: client, code: error.code.name)
        let now = clock.now
        let suppressed: Int? = state.withLock { state in
            state.counts[kind, default: 0] += 1
            if let last = state.lastLogged[kind], now.timeIntervalSince(last.at) < interval {
                state.lastLogged[kind]!.suppressed += 1
                return nil
            }
            let suppressed = state.lastLogged[kind]?.suppressed ?? 0
            state.lastLogged[kind] = (now, 0)
            return suppressed
        }
        guard let suppressed else { return }
        let more = suppressed > 0 ? " (\(suppressed) more like it in the last \(Int(interval)) s)" : ""
        logger.warning("\(client.rawValue): \(error)\(more); librdkafka retries by itself")
    }

    /// Errors noted so far, by client and code.
    var counts: [ClientErrorKind: Int] { state.withLock { $0.counts } }
}

/// A kind of client error the metrics count: which client reported it, and its code.
public struct ClientErrorKind: Hashable, Sendable, CustomStringConvertible {
    public enum Client: String, Sendable, CaseIterable {
        case consumer, producer
    }

    public var client: Client
    /// librdkafka's name of the error code (for example `_TRANSPORT`).
    public var code: String

    public init(client: Client, code: String) {
        self.client = client
        self.code = code
    }

    public var description: String { "\(client.rawValue) \(code)" }
}
