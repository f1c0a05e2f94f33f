import ArgumentParser
import Foundation
import RevisitCore
import RevisitKafka

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
        reading: while !SignalTrap.received() {
            if untilEnd, endOffsets.isEmpty { break }
            let batch = try consumer.poll(maxMessages: 1_000, timeoutMilliseconds: 200)
            for error in batch.errors { FileHandle.standardError.write(Data("revisit tail: \(error)\n".utf8)) }
            var output = ""
            for message in batch.messages {
                output += Self.jsonLine(message)
                output += "\n"
                printed += 1
                committed[message.topicPartition] = message.offset + 1
                if let end = endOffsets[message.topicPartition], message.offset + 1 >= end { endOffsets[message.topicPartition] = nil }
                if let max, printed >= max { break }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
            if group != nil, !batch.messages.isEmpty {
                try? consumer.commit(committed.map { TopicPartitionOffset($0.key, offset: $0.value) })
            }
            if let max, printed >= max { break reading }
        }
        try consumer.close()
    }

    static func jsonLine(_ message: ConsumedMessage) -> String {
        var fields = [
            "\"topic\":\(quoted(message.topic))",
            "\"partition\":\(message.partition)",
            "\"offset\":\(message.offset)",
            "\"timestamp\":\(message.timestamp.map(String.init) ?? "null")",
            "\"key\":\(message.key.map { quoted(String(decoding: $0, as: UTF8.self)) } ?? "null")",
            "\"value\":\(embedded(message.value))",
        ]
        if !message.headers.isEmpty {
            let headers = message.headers.map { "\(quoted($0.name)):\($0.value.map { quoted(String(decoding: $0, as: UTF8.self)) } ?? "null")" }
            fields.append("\"headers\":{\(headers.joined(separator: ","))}")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// JSON values are embedded as they are; anything else becomes a JSON string.
    private static func embedded(_ value: [UInt8]) -> String {
        if value.isEmpty { return "null" }
        if (try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed])) != nil {
            return String(decoding: value, as: UTF8.self)
        }
        return quoted(String(decoding: value, as: UTF8.self))
    }

    private static func quoted(_ text: String) -> String {
        var out = JSONBuffer()
        out.string(text)
        return out.text
    }
}
