import Foundation
import RevisitKafka
import Testing

@Suite("Consumer groups on the mock cluster", .serialized)
struct KafkaConsumerGroupTests {
    /// One member of a test group: polls, records per-key order and commits what it processed.
    final class Member {
        let name: String
        let consumer: KafkaConsumer
        var offsets = ProcessedOffsets()
        var rebalances: [RebalanceEvent] = []
        var received = 0

        init(name: String, consumer: KafkaConsumer) {
            self.name = name
            self.consumer = consumer
        }

        func pollOnce(into log: inout [String: [Int]], seen: inout Set<Int>, duplicates: inout Int) throws {
            let batch = try consumer.poll(maxMessages: 2_000, timeoutMilliseconds: 20)
            rebalances += batch.rebalances
            for message in batch.messages {
                let key = String(decoding: message.key ?? [], as: UTF8.self)
                log[key, default: []].append(KafkaTestSupport.sequence(of: message.value))
                if !seen.insert(KafkaTestSupport.eventIndex(of: message.value)).inserted { duplicates += 1 }
                offsets.record(message)
                received += 1
            }
            // Commit what was processed, including partitions revoked in this batch: they are
            // released to the group only at the next poll, so their commit must land first.
            let revoking = batch.rebalances.contains { if case .revoked = $0 { true } else { false } }
            if !batch.messages.isEmpty || revoking {
                try commit(mustSucceed: revoking)
            }
        }

        /// While the group rebalances, commits fail with a retriable error; offsets are
        /// cumulative, so a later commit covers a failed one, except before a release.
        func commit(mustSucceed: Bool) throws {
            for attempt in 1...50 {
                do {
                    try consumer.commit(offsets.commits())
                    return
                } catch {
                    guard error.isRetriable, attempt < 50 else { throw error }
                    if !mustSucceed { return }
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
        }
    }

    @Test("100,000 keyed messages through a group of two: all delivered, per-key order, none twice, takeover from commits")
    func groupOfTwoDeliversEverythingOnce() throws {
        let support = try KafkaTestSupport(topics: ["orders": 8])
        let total = 100_000, keys = 1_000
        let reports = try KafkaTestSupport.produceSequenced(try support.producer(), topic: "orders", count: total, keys: keys)
        #expect(reports.count == total)
        #expect(reports.allSatisfy { $0.isDelivered })

        let first = Member(name: "a", consumer: try support.consumer(group: "g1"))
        let second = Member(name: "b", consumer: try support.consumer(group: "g1"))
        try first.consumer.subscribe(["orders"])
        try second.consumer.subscribe(["orders"])

        var log: [String: [Int]] = [:]
        var seen = Set<Int>()
        var duplicates = 0
        let deadline = Date().addingTimeInterval(90)
        var firstLeft = false
        while seen.count < total, Date() < deadline {
            if !firstLeft {
                try first.pollOnce(into: &log, seen: &seen, duplicates: &duplicates)
            }
            try second.pollOnce(into: &log, seen: &seen, duplicates: &duplicates)
            if !firstLeft, first.received >= 20_000, second.received > 0 {
                // A member leaves: it commits everything it processed; the other member must
                // take its partitions over from those commits.
                try first.commit(mustSucceed: true)
                try first.consumer.close()
                firstLeft = true
            }
        }
        // The first member may have read all of its partitions before it left: the takeover
        // then brings no message, and is waited for here (nothing may arrive twice meanwhile).
        func assignedToSecond() -> Set<TopicPartition> {
            Set(second.rebalances.flatMap { event -> [TopicPartition] in
                if case .assigned(let partitions) = event { return partitions } else { return [] }
            })
        }
        while firstLeft, assignedToSecond().count < 8, Date() < deadline {
            try second.pollOnce(into: &log, seen: &seen, duplicates: &duplicates)
        }
        #expect(firstLeft)
        #expect(seen.count == total)
        #expect(duplicates == 0)
        #expect(log.count == keys)
        for (key, sequences) in log {
            #expect(sequences == Array(0..<(total / keys)), "order broken for \(key)")
        }
        // The second member was given partitions twice: at its join and when the first left.
        let assignments = second.rebalances.filter { if case .assigned = $0 { true } else { false } }
        #expect(assignments.count >= 2)
        #expect(assignedToSecond().count == 8)
    }

    @Test("A consumer restarted with the same group resumes after its last commit")
    func restartResumesAfterCommit() throws {
        let support = try KafkaTestSupport(topics: ["clicks": 2])
        try KafkaTestSupport.produceSequenced(try support.producer(), topic: "clicks", count: 1_000, keys: 10)

        var firstRun: [Int] = []
        do {
            let consumer = try support.consumer(group: "resume")
            try consumer.subscribe(["clicks"])
            var offsets = ProcessedOffsets()
            let deadline = Date().addingTimeInterval(30)
            while firstRun.count < 400, Date() < deadline {
                let batch = try consumer.poll(maxMessages: 50, timeoutMilliseconds: 50)
                for message in batch.messages where firstRun.count < 400 {
                    firstRun.append(KafkaTestSupport.eventIndex(of: message.value))
                    offsets.record(message)
                }
            }
            try consumer.commit(offsets.commits())
            try consumer.close()
        }
        #expect(firstRun.count == 400)

        let consumer = try support.consumer(group: "resume")
        try consumer.subscribe(["clicks"])
        var secondRun: [Int] = []
        let deadline = Date().addingTimeInterval(30)
        while firstRun.count + secondRun.count < 1_000, Date() < deadline {
            secondRun += try consumer.poll(timeoutMilliseconds: 50).messages.map { KafkaTestSupport.eventIndex(of: $0.value) }
        }
        #expect(Set(firstRun).isDisjoint(with: secondRun))
        #expect(Set(firstRun + secondRun) == Set(0..<1_000))
        let committed = try consumer.committed([TopicPartition("clicks", 0), TopicPartition("clicks", 1)])
        #expect(committed.values.compactMap { $0 }.reduce(0, +) == 400)
    }

    @Test("With assignsFromLogStart an assigned partition starts at its log start, not at the group's commit")
    func assignmentFromLogStartIgnoresCommits() throws {
        let support = try KafkaTestSupport(topics: ["visits": 2])
        try KafkaTestSupport.produceSequenced(try support.producer(), topic: "visits", count: 200, keys: 10)
        let partitions = [TopicPartition("visits", 0), TopicPartition("visits", 1)]
        do {
            let consumer = try support.consumer(group: "from-start")
            try consumer.subscribe(["visits"])
            var assigned = false
            let deadline = Date().addingTimeInterval(30)
            while !assigned, Date() < deadline {
                assigned = try consumer.poll(timeoutMilliseconds: 50).rebalances.contains {
                    if case .assigned = $0 { true } else { false }
                }
            }
            try #require(assigned)
            try consumer.commit(partitions.map { TopicPartitionOffset($0, offset: 50) })
            try consumer.close()
        }

        func firstOffsets(assignsFromLogStart: Bool) throws -> [Int32: Int64] {
            let consumer = try support.consumer(group: "from-start") { $0.assignsFromLogStart = assignsFromLogStart }
            defer { try? consumer.close() }
            try consumer.subscribe(["visits"])
            var first: [Int32: Int64] = [:]
            let deadline = Date().addingTimeInterval(30)
            while first.count < 2, Date() < deadline {
                for message in try consumer.poll(timeoutMilliseconds: 50).messages where first[message.partition] == nil {
                    first[message.partition] = message.offset
                }
            }
            return first
        }
        #expect(try firstOffsets(assignsFromLogStart: false) == [0: 50, 1: 50])
        #expect(try firstOffsets(assignsFromLogStart: true) == [0: 0, 1: 0])
    }

    @Test("A member closed at any point of its group join closes in bounded time")
    func closeWhileJoining() throws {
        let support = try KafkaTestSupport(topics: ["joins": 2])
        // The mock takes about 3 s to answer a join: close before, during and after it.
        for (index, pollSeconds) in [0.0, 0.5, 1.5, 2.5, 3.0, 3.5, 4.5].enumerated() {
            let consumer = try support.consumer(group: "closing-\(index)")
            try consumer.subscribe(["joins"])
            let started = Date()
            while Date().timeIntervalSince(started) < pollSeconds {
                _ = try consumer.poll(maxMessages: 10, timeoutMilliseconds: 50)
            }
            let closing = Date()
            try consumer.close()
            #expect(Date().timeIntervalSince(closing) < 12, "close after \(pollSeconds) s of joining")
        }
    }

    /// The embedded broker holds a first JoinGroup about 3 s (its initial rebalance delay):
    /// commits meanwhile would be answered with a stale generation, which librdkafka 2.0.2
    /// takes for a lost assignment.
    @Test("Asynchronous commits while the member joins its group are not sent; once the round is over they are")
    func commitsWaitForTheJoinRound() throws {
        let support = try KafkaTestSupport(topics: ["joining": 2])
        let consumer = try support.consumer(group: "joiner")
        try consumer.subscribe(["joining"])
        let offsets = [TopicPartitionOffset(TopicPartition("joining", 0), offset: 0)]
        var assigned = false
        let deadline = Date().addingTimeInterval(30)
        while !assigned, Date() < deadline {
            assigned = try consumer.poll(timeoutMilliseconds: 50).rebalances.contains { if case .assigned = $0 { true } else { false } }
            if !assigned { try consumer.commit(offsets, waiting: false) }
        }
        #expect(assigned)
        let deferredWhileJoining = consumer.commitsDeferredWhileJoining
        #expect(deferredWhileJoining > 10, "\(deferredWhileJoining) commits deferred over a join of about 3 s")

        try consumer.commit(offsets, waiting: false)
        #expect(consumer.commitsDeferredWhileJoining == deferredWhileJoining)
        let committedDeadline = Date().addingTimeInterval(10)
        var committed: Int64?
        while committed == nil, Date() < committedDeadline {
            _ = try consumer.poll(timeoutMilliseconds: 50)
            committed = try consumer.committed([TopicPartition("joining", 0)])[TopicPartition("joining", 0)] ?? nil
        }
        #expect(committed == 0)
        try consumer.close()
    }
}
