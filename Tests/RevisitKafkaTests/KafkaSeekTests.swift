import Foundation
import RevisitKafka
import Testing

@Suite("Seeking and watermarks on the mock cluster", .serialized)
struct KafkaSeekTests {
    @Test("Seeking by timestamp lands on the first message at or after it, even when the broker answers -1")
    func seekByTimestampFallsBackToScan() throws {
        let support = try KafkaTestSupport(topics: ["timed": 3])
        let base: Int64 = 1_700_000_000_000
        // Timestamps rise with the index, 1 s apart: message i has base + i * 1000.
        try KafkaTestSupport.produceSequenced(try support.producer(), topic: "timed", count: 300, keys: 7) { base + Int64($0) * 1_000 }
        let partitions = (0..<3).map { TopicPartition("timed", Int32($0)) }

        let consumer = try support.consumer(group: nil)
        // The mock cluster cannot answer offsets-for-times: the layer must see that.
        let answers = try consumer.offsets(forTimestamp: base + 150_500, in: partitions)
        #expect(answers.values.allSatisfy { $0 == nil })

        try consumer.assign(partitions, fromTimestamp: base + 150_500)
        var received: [ConsumedMessage] = []
        let deadline = Date().addingTimeInterval(20)
        var watermarks: [TopicPartition: Int64] = [:]
        for partition in partitions { watermarks[partition] = try consumer.watermarks(of: partition).high }
        var endOffsets: [TopicPartition: Int64] = [:]
        while Date() < deadline, endOffsets != watermarks {
            for message in try consumer.poll(timeoutMilliseconds: 50).messages {
                received.append(message)
                endOffsets[message.topicPartition] = message.offset + 1
            }
        }
        let indexes = received.map { KafkaTestSupport.eventIndex(of: $0.value) }
        #expect(Set(indexes) == Set(151..<300))
        #expect(received.allSatisfy { ($0.timestamp ?? 0) >= base + 150_500 })
        #expect(watermarks.values.reduce(0, +) == 300)
    }

    @Test("Manual assignment reads chosen partitions from chosen offsets, without a group")
    func manualAssignment() throws {
        let support = try KafkaTestSupport(topics: ["manual": 2])
        try KafkaTestSupport.produceSequenced(try support.producer(), topic: "manual", count: 100, keys: 5)
        let consumer = try support.consumer(group: nil)
        try consumer.assign([TopicPartitionOffset(TopicPartition("manual", 1), offset: 10)])
        #expect(try consumer.assignment() == [TopicPartition("manual", 1)])
        var messages: [ConsumedMessage] = []
        let high = try consumer.watermarks(of: TopicPartition("manual", 1)).high
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, Int64(messages.count) < high - 10 {
            messages += try consumer.poll(timeoutMilliseconds: 50).messages
        }
        #expect(messages.first?.offset == 10)
        #expect(messages.map(\.offset) == Array(10..<high))
        #expect(messages.allSatisfy { $0.partition == 1 })
        #expect(throws: KafkaError.self) { try consumer.commit([TopicPartitionOffset(TopicPartition("manual", 1), offset: 20)]) }
    }

    @Test("Pause stops delivery of a partition until resume; seek rewinds")
    func pauseResumeSeek() throws {
        let support = try KafkaTestSupport(topics: ["flow": 1])
        try KafkaTestSupport.produceSequenced(try support.producer(), topic: "flow", count: 50, keys: 5)
        let partition = TopicPartition("flow", 0)
        let consumer = try support.consumer(group: nil)
        try consumer.assign([TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)])
        var first: [Int64] = []
        var deadline = Date().addingTimeInterval(20)
        while Date() < deadline, first.count < 50 { first += try consumer.poll(timeoutMilliseconds: 50).messages.map(\.offset) }
        #expect(first == Array(0..<50))

        try consumer.pause([partition])
        try consumer.seek([TopicPartitionOffset(partition, offset: 40)])
        var whilePaused = 0
        for _ in 0..<10 { whilePaused += try consumer.poll(timeoutMilliseconds: 50).messages.count }
        #expect(whilePaused == 0)
        try consumer.resume([partition])
        var again: [Int64] = []
        deadline = Date().addingTimeInterval(20)
        while Date() < deadline, again.count < 10 { again += try consumer.poll(timeoutMilliseconds: 50).messages.map(\.offset) }
        #expect(again == Array(40..<50))
    }
}
