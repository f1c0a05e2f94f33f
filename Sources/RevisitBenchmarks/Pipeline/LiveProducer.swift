import Foundation
import RevisitCore
import RevisitKafka
import Synchronization

/// The latency run's producer: on a thread of its own (it owns its `KafkaProducer`), it sends
/// `rate` events a second for `seconds`, each with `ts` = the wall clock in milliseconds at
/// the moment it is sent, for users drawn at random from `users`.
final class LiveProducer: Sendable {
    struct Result: Sendable {
        var sent = 0
        var firstSendMs: Int64 = 0
        var lastSendMs: Int64 = 0
        var error: String?
    }

    let bootstrap: String
    let topic: String
    let rate: Int
    let seconds: Double
    let users: Int
    let seed: UInt64
    private let outcome = Mutex<Result?>(nil)

    init(bootstrap: String, topic: String, rate: Int, seconds: Double, users: Int, seed: UInt64) {
        self.bootstrap = bootstrap
        self.topic = topic
        self.rate = rate
        self.seconds = seconds
        self.users = users
        self.seed = seed
    }

    /// What it did, once it is done.
    var result: Result? { outcome.withLock { $0 } }

    func start() {
        let thread = Thread { [self] in
            let result = produce()
            outcome.withLock { $0 = result }
        }
        thread.name = "revisit-bench-live-producer"
        thread.start()
    }

    private func produce() -> Result {
        var result = Result()
        do {
            var configuration = KafkaProducerConfiguration(kafka: KafkaConfiguration(brokers: bootstrap, clientID: "revisit-bench-live"))
            // Each event goes out at once: its ts is as close as can be to its append.
            configuration.lingerMilliseconds = 0
            let producer = try KafkaProducer(configuration: configuration)
            var random = SplitMix64(seed: seed &+ 0x5EED)
            var failed = 0
            var reports: [DeliveryReport] = []
            let total = Int(Double(rate) * seconds)
            let start = Date().timeIntervalSince1970
            result.firstSendMs = Int64(start * 1000)
            while result.sent < total {
                let now = Date().timeIntervalSince1970
                let due = min(total, Int((now - start) * Double(rate)))
                while result.sent < due {
                    let ts = Int64(Date().timeIntervalSince1970 * 1000)
                    let user = Int32(random.next() % UInt64(users))
                    // Sequences from 1,000 on: the history used 0 and 1.
                    let value = PipelineTraffic.line(user: user, sequence: 1_000 + Int32(result.sent), ts: ts, seed: seed)
                    try producer.send(
                        OutgoingMessage(topic: topic, key: Array(PipelineTraffic.userID(user).utf8), value: value),
                        waitingForRoom: &reports)
                    result.sent += 1
                    result.lastSendMs = ts
                }
                failed += reports.filter { !$0.isDelivered }.count + producer.poll().filter { !$0.isDelivered }.count
                reports.removeAll(keepingCapacity: true)
                Thread.sleep(forTimeInterval: 0.001)
            }
            failed += try producer.flush(timeoutMilliseconds: 60_000).filter { !$0.isDelivered }.count
            if failed > 0 { result.error = "\(failed) of \(result.sent) events were not delivered" }
        } catch {
            result.error = "\(error)"
        }
        return result
    }
}
