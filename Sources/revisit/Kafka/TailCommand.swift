import ArgumentParser
import Foundation
import RevisitCore
import RevisitKafka
import RevisitRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `revisit tail`: prints the messages of a topic as JSON lines, e.g. to follow the alert topic.
struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print the messages of a topic, one JSON line each, until SIGINT/SIGTERM.",
        discussion: """
            Each line is {"topic","partition","offset","timestamp","key","value","headers"}; a value \
            that is JSON is embedded as JSON, any other value as a string. Without --group, every \
            partition is read and nothing is committed; with --group, the consumer joins that group \
            and commits what it printed, so a restart resumes after it.
            """)

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Topic to read.")
    var topic: String

    @Flag(name: .customLong("from-beginning"), help: "Start at the earliest message instead of the end.")
    var fromBeginning = false

    @Option(name: .long, help: "Consumer group to join (commits what was printed).")
    var group: String?

    @Option(name: .long, help: "Stop after this many messages.")
    var max: Int?

    @Flag(name: .customLong("until-end"), help: "Stop at the end offsets seen at start (without --group).")
    var untilEnd = false

    func validate() throws {
        if untilEnd, group != nil { throw ValidationError("--until-end reads partitions directly; leave out --group") }
    }

    func run() throws {
        SignalTrap.install()
        var configuration = KafkaConsumerConfiguration(kafka: kafka.configuration(clientID: "revisit-tail"), groupID: group)
        configuration.autoOffsetReset = fromBeginning ? .earliest : .latest
        let consumer = try KafkaConsumer(configuration: configuration)
        var endOffsets: [TopicPartition: Int64] = [:]
        if group != nil {
            try consumer.subscribe([topic])
        } else {
            guard let metadata = try consumer.topicMetadata().first(where: { $0.name == topic && $0.error == .noError }) else {
                throw ValidationError("topic \"\(topic)\" does not exist on \(kafka.resolvedBrokers)")
            }
            let partitions = (0..<metadata.partitionCount).map { TopicPartition(topic, Int32($0)) }
            let start = fromBeginning ? TopicPartitionOffset.beginning : TopicPartitionOffset.end
            try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: start) })
            if untilEnd {
                for partition in partitions {
                    let (low, high) = try consumer.watermarks(of: partition)
                    if high > low { endOffsets[partition] = high }
                }
            }
        }
        var printed = 0
        var committed: [TopicPartition: Int64] = [:]
        var batch = ConsumerBatch()
        // Lines go out through one buffer per poll, written with write(2): no String, Data or
        // Foundation JSON per message.
        var output = JSONBuffer(capacity: Self.flushBytes * 2)
        reading: while !SignalTrap.received() {
            if untilEnd, endOffsets.isEmpty { break }
            try consumer.poll(into: &batch, maxMessages: 10_000, timeoutMilliseconds: 200)
            for error in batch.errors { FileHandle.standardError.write(Data("revisit tail: \(error)\n".utf8)) }
            for message in batch.messages {
                MessageEnvelope.append(message, to: &output)
                output.byte(0x0A)
                printed += 1
                committed[message.topicPartition] = message.offset + 1
                if let end = endOffsets[message.topicPartition], message.offset + 1 >= end { endOffsets[message.topicPartition] = nil }
                if output.count >= Self.flushBytes { guard Self.writeOut(&output) else { break reading } }
                if let max, printed >= max { break }
            }
            // Each poll's lines go out before the next wait: a follower sees them at once.
            guard Self.writeOut(&output) else { break reading }
            if group != nil, !batch.messages.isEmpty {
                try? consumer.commit(committed.map { TopicPartitionOffset($0.key, offset: $0.value) })
            }
            if let max, printed >= max { break reading }
        }
        try consumer.close()
    }

    /// Lines are written once this many bytes are buffered, and at the end of each poll.
    private static let flushBytes = 1 << 20

    /// Writes and empties `output`; false when standard output is closed (a reader such as
    /// `head` went away), which ends the tail.
    private static func writeOut(_ output: inout JSONBuffer) -> Bool {
        let complete = output.withBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let written = write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
        output.removeAll()
        return complete
    }
}
