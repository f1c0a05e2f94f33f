import ArgumentParser
import Foundation
import RevisitKafka

/// `revisit broker`: hosts librdkafka's mock cluster for local runs, demos and tests.
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka cluster (librdkafka's mock cluster) until SIGINT/SIGTERM.",
        discussion: """
            Speaks the Kafka protocol on loopback ports, for local runs, demos and tests. It keeps at \
            most 5 MiB per partition, does not compact, and cannot create topics through the admin \
            API: create them here with --topic.
            """)

    @Option(name: .long, help: "Number of brokers.")
    var nodes = 1

    @Option(name: .long, help: ArgumentHelp("A topic to create, NAME:PARTITIONS (repeatable).", valueName: "name:partitions"))
    var topic: [String] = []

    @Option(name: .customLong("bootstrap-file"), help: ArgumentHelp("Write the bootstrap address to this file.", valueName: "path"))
    var bootstrapFile: String?

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        _ = try topics()
    }

    private func topics() throws -> [(name: String, partitions: Int)] {
        try topic.map { spec in
            let parts = spec.split(separator: ":")
            guard parts.count == 2, let partitions = Int(parts[1]), partitions > 0, !parts[0].isEmpty else {
                throw ValidationError("--topic takes NAME:PARTITIONS with PARTITIONS >= 1, got \"\(spec)\"")
            }
            return (String(parts[0]), partitions)
        }
    }

    func run() throws {
        SignalTrap.install()
        let cluster = try MockCluster(brokerCount: nodes)
        for (name, partitions) in try topics() {
            try cluster.createTopic(name, partitions: partitions, replicationFactor: min(nodes, 3))
        }
        if let bootstrapFile {
            // Written whole, then renamed: a reader never sees a partial address.
            let temporary = bootstrapFile + ".tmp"
            try (cluster.bootstrapServers + "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
            _ = rename(temporary, bootstrapFile)
        }
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        let signal = SignalTrap.wait()
        FileHandle.standardError.write(Data("revisit broker: stopping on signal \(signal)\n".utf8))
        if let bootstrapFile { try? FileManager.default.removeItem(atPath: bootstrapFile) }
    }
}
