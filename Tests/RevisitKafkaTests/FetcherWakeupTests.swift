import Foundation
@testable import RevisitKafka
import Testing

@Suite("Restarting librdkafka's fetching after its prefetch queue drained", .serialized)
struct FetcherWakeupTests {
    /// A prefetch of 2,000 messages over 8 partitions: librdkafka stops fetching every
    /// partition each time the shared queue fills, many times over 40,000 messages.
    @Test("A consumer whose queue keeps filling up wakes the fetcher, reads everything once, and stops waking it when caught up")
    func wakesWhileBehindAndNotWhenCaughtUp() throws {
        let support = try KafkaTestSupport(topics: ["prefetched": 8])
        try KafkaTestSupport.produceSequenced(try support.producer(), topic: "prefetched", count: 40_000, keys: 97)
        let consumer = try support.consumer(group: "wakeup") { $0.prefetchMessages = 2_000 }
        try consumer.subscribe(["prefetched"])

        var seen = Set<Int>()
        var duplicates = 0
        let deadline = Date().addingTimeInterval(120)
        while seen.count < 40_000, Date() < deadline {
            for message in try consumer.poll(maxMessages: 500, timeoutMilliseconds: 100).messages {
                if !seen.insert(KafkaTestSupport.eventIndex(of: message.value)).inserted { duplicates += 1 }
            }
        }
        #expect(seen.count == 40_000)
        #expect(duplicates == 0)
        #expect(consumer.fetcherWakeupCount > 0, "the queue filled and drained, and nothing asked a broker to fetch again")

        // Caught up: every position equals its high watermark, so nothing is behind. A round
        // the wakeup thread began before the last messages were handed out may still finish.
        func idle(_ seconds: Double) throws {
            let until = Date().addingTimeInterval(seconds)
            while Date() < until { _ = try consumer.poll(timeoutMilliseconds: 50) }
        }
        try idle(0.2)
        let caughtUp = consumer.fetcherWakeupCount
        try idle(0.5)
        #expect(consumer.fetcherWakeupCount == caughtUp)
        try consumer.close()
    }

    @Test("A consumer keeping up with live traffic sends no wakeup unless its queue filled, one round per filling at most")
    func keepingUpSendsNothing() throws {
        let support = try KafkaTestSupport(topics: ["live": 8])
        let producer = try support.producer()
        // A prefetch of 5,000 (a low-water mark of 2,500, half a second of this traffic): the
        // 15,000 messages below would fill the queue if the consumer did not keep up. A wakeup
        // thread that ignored whether the queue ever filled would find partitions behind their
        // brokers between two rounds (it sent 76 wakeups). A machine busy elsewhere can still
        // fill the queue, stalling this loop or the producer's threads (which then deliver a
        // burst): a round of wakeups after such a filling is right, so the test counts both.
        let consumer = try support.consumer(group: "live") { $0.prefetchMessages = 5_000 }
        try consumer.subscribe(["live"])
        var received = 0
        var reports: [DeliveryReport] = []
        // 100 messages every 20 ms for about 3 s, read as they come.
        for round in 0..<150 {
            for index in (round * 100)..<((round + 1) * 100) {
                try producer.send(
                    OutgoingMessage(topic: "live", key: Array("user-\(index % 31)".utf8), value: KafkaTestSupport.sequencedValue(index, keys: 31)),
                    waitingForRoom: &reports)
            }
            reports += producer.poll(timeoutMilliseconds: 0)
            received += try consumer.poll(maxMessages: 1_000, timeoutMilliseconds: 20).messages.count
        }
        // Read the tail as it is delivered: a flush first would leave the queue unread while
        // the last messages arrive, which is not keeping up.
        let deadline = Date().addingTimeInterval(30)
        while received < 15_000, Date() < deadline {
            reports += producer.poll(timeoutMilliseconds: 0)
            received += try consumer.poll(maxMessages: 1_000, timeoutMilliseconds: 20).messages.count
        }
        _ = try producer.flush(timeoutMilliseconds: 10_000)
        #expect(received == 15_000)
        let (rounds, fillings) = consumer.fetcherWakeupRounds
        #expect(rounds <= fillings,
                "\(rounds) rounds of wakeups (\(consumer.fetcherWakeupCount) requests) after \(fillings) fillings of the queue")
        try consumer.close()
    }
}
