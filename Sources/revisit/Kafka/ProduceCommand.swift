import ArgumentParser
import Foundation
import RevisitKafka

/// `revisit produce`: one message per stdin line, keyed by a JSON field.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce one message per line of standard input (JSONL), keyed by a JSON field.",
        discussion: """
            A line that is not a JSON object with the key field is still sent, without a key, and \
            counted in the summary: the pipeline's dead-letter topic is where bad events are explained.
            """)

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Topic to produce to.")
    var topic: String

    @Option(name: .customLong("key-field"), help: "Top-level JSON string field whose value becomes the message key.")
    var keyField = "user_id"

    @Option(name: .long, help: "Batch compression: none, gzip, snappy, lz4, zstd.")
    var compression = "lz4"

    func validate() throws {
        guard KafkaProducerConfiguration.Compression(rawValue: compression) != nil else {
            throw ValidationError("--compression takes one of none, gzip, snappy, lz4, zstd; got \"\(compression)\"")
        }
    }

    func run() throws {
        var configuration = KafkaProducerConfiguration(kafka: kafka.configuration(clientID: "revisit-produce"))
        configuration.compression = KafkaProducerConfiguration.Compression(rawValue: compression)!
        let producer = try KafkaProducer(configuration: configuration)
        var sent = 0, unkeyed = 0, failed = 0
        var firstFailure: KafkaError?
        func account(_ reports: [DeliveryReport]) {
            for report in reports where !report.isDelivered {
                failed += 1
                if firstFailure == nil { firstFailure = report.error }
            }
        }
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.isEmpty { continue }
            let value = Array(line.utf8)
            let key = Self.stringField(keyField, in: value)
            if key == nil {
                unkeyed += 1
                if unkeyed <= 5 {
                    FileHandle.standardError.write(Data("revisit produce: line \(lineNumber) has no string field \"\(keyField)\"; sent without a key\n".utf8))
                }
            }
            var reports: [DeliveryReport] = []
            try producer.send(OutgoingMessage(topic: topic, key: key.map { Array($0.utf8) }, value: value), waitingForRoom: &reports)
            account(reports)
            sent += 1
            if sent % 10_000 == 0 { account(producer.poll()) }
        }
        account(try producer.flush(timeoutMilliseconds: 60_000))
        var summary = "revisit produce: \(sent) messages to \(topic), \(sent - failed) delivered"
        if unkeyed > 0 { summary += ", \(unkeyed) without a key" }
        if failed > 0 { summary += ", \(failed) failed (first: \(firstFailure!))" }
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if failed > 0 { throw ExitCode.failure }
    }

    /// The value of a top-level string field of a JSON object, or `nil`.
    static func stringField(_ name: String, in value: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else { return nil }
        return object[name] as? String
    }
}
