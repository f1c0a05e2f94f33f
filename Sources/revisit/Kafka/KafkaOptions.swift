import ArgumentParser
import Foundation
import RevisitCore
import RevisitKafka

/// `--brokers` and `-X NAME=VALUE`, shared by every Kafka-facing command.
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Bootstrap brokers, HOST:PORT,... (default: $REVISIT_BROKERS, else localhost:9092).", valueName: "host:port,..."))
    var brokers: String?

    @Option(name: .customShort("X"), help: ArgumentHelp(
        "A librdkafka property, NAME=VALUE (repeatable), e.g. -X security.protocol=SASL_SSL.", valueName: "name=value"))
    var properties: [String] = []

    /// The brokers from the flag, then the environment, then the local default.
    var resolvedBrokers: String {
        brokers ?? ProcessInfo.processInfo.environment["REVISIT_BROKERS"].flatMap { $0.isEmpty ? nil : $0 } ?? "localhost:9092"
    }

    func validate() throws {
        for property in properties where !property.contains("=") {
            throw ValidationError("-X takes NAME=VALUE, got \"\(property)\"")
        }
    }

    func configuration(clientID: String) -> KafkaConfiguration {
        var pairs: [String: String] = [:]
        for property in properties {
            let parts = property.split(separator: "=", maxSplits: 1)
            pairs[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return KafkaConfiguration(brokers: resolvedBrokers, clientID: clientID, properties: pairs)
    }

    /// The client settings for a pipeline: its file's `kafka.*` properties, then `-X` ones on
    /// top. A `bootstrap.servers` in the file counts unless `--brokers` or
    /// `$REVISIT_BROKERS` names the brokers.
    func configuration(clientID: String, pipeline: PipelineConfiguration) -> KafkaConfiguration {
        var result = configuration(clientID: clientID)
        var merged = pipeline.kafka
        let brokersGiven = brokers != nil || !(ProcessInfo.processInfo.environment["REVISIT_BROKERS"] ?? "").isEmpty
        if brokersGiven { merged["bootstrap.servers"] = nil }
        merged.merge(result.properties) { _, flag in flag }
        result.properties = merged
        return result
    }
}
