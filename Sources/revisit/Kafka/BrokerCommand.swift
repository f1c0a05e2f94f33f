import ArgumentParser
import Foundation
import Glibc
import RevisitCore
import RevisitKafka

/// `revisit broker`: hosts librdkafka's mock cluster for local runs, demos and tests.
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka cluster (librdkafka's mock cluster) until SIGINT/SIGTERM.",
        discussion: """
            Speaks the Kafka protocol on loopback ports, for local runs, demos and tests. It keeps at \
            most 5 MiB per partition, does not compact, and cannot create topics through the admin \
            API: create them here with --topic, or every topic of a pipeline with \
            --pipeline-partitions N (its input, profiles, sessions, alerts, metrics and dlq topics \
            and <application_id>.state, named by --config and --set).

            It prints the bootstrap address on stdout, then reads commands from stdin, one a line, \
            and answers each on stdout with one line, "ok down 1" or "error: ...":
              down <id>   take broker <id> (1 to --nodes) off the network
              up <id>     bring broker <id> back
              down all    take every broker down
              up all      bring every broker back
            A broker that is down closes its connections and refuses new ones. End of input (stdin at /dev/null or closed) does not stop the broker: only SIGINT or \
            SIGTERM does.
            """)

    @Option(name: .long, help: "Number of brokers.")
    var nodes = 1

    @Option(name: .long, help: ArgumentHelp("A topic to create, NAME:PARTITIONS (repeatable).", valueName: "name:partitions"))
    var topic: [String] = []

    @Option(name: .customLong("pipeline-partitions"), help: ArgumentHelp(
        "Also create every topic of the pipeline with this many partitions (a --topic keeps its own count).",
        valueName: "n"))
    var pipelinePartitions: Int?

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .customLong("bootstrap-file"), help: ArgumentHelp("Write the bootstrap address to this file.", valueName: "path"))
    var bootstrapFile: String?

    /// How long one wait for a command lasts before the loop checks for a signal again.
    private static let commandPollMilliseconds: Int32 = 100

    func validate() throws {
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        _ = try topics()
        if let pipelinePartitions, pipelinePartitions < 1 {
            throw ValidationError("--pipeline-partitions must be at least 1, got \(pipelinePartitions)")
        }
        if pipelinePartitions == nil, pipeline.config != nil || !pipeline.overrides.isEmpty {
            throw ValidationError("--config and --set only name the pipeline's topics here: add --pipeline-partitions N")
        }
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

    /// The `--topic` topics, then the pipeline's topics that `--topic` did not name.
    private func topicsToCreate() throws -> [(name: String, partitions: Int)] {
        var all = try topics()
        guard let pipelinePartitions else { return all }
        let configuration = try pipeline.configuration()
        let names = configuration.topics
        for name in [names.input, names.profiles, names.sessions, names.alerts, names.metrics, names.dlq,
                     "\(configuration.applicationID).state"] where !all.contains(where: { $0.name == name }) {
            all.append((name, pipelinePartitions))
        }
        return all
    }

    func run() throws {
        SignalTrap.install()
        // Checked before the cluster starts, so that a bad pipeline file stops the command at once.
        let topics = try topicsToCreate()
        let cluster = try MockCluster(brokerCount: nodes)
        for (name, partitions) in topics {
            try cluster.createTopic(name, partitions: partitions, replicationFactor: min(nodes, 3))
            report("created topic \(name) with \(partitions) partition\(partitions == 1 ? "" : "s")")
        }
        if let bootstrapFile {
            // Written whole, then renamed: a reader never sees a partial address.
            let temporary = bootstrapFile + ".tmp"
            try (cluster.bootstrapServers + "\n").write(toFile: temporary, atomically: false, encoding: .utf8)
            _ = rename(temporary, bootstrapFile)
        }
        answer(cluster.bootstrapServers)
        let signal = serveCommands(cluster)
        report("stopping on signal \(signal)")
        if let bootstrapFile { try? FileManager.default.removeItem(atPath: bootstrapFile) }
    }

    // MARK: - Commands on stdin

    /// Answers the commands on stdin until a signal arrives, and returns its number.
    ///
    /// One loop on this thread, because `MockCluster` belongs to the thread that made it: it
    /// waits for a line at most ``commandPollMilliseconds`` and checks for a signal in between
    /// (the signals are blocked, so they cannot interrupt the wait).
    private func serveCommands(_ cluster: MockCluster) -> Int32 {
        var input = LineInput()
        while true {
            if let signal = SignalTrap.pending() { return signal }
            switch input.next(timeoutMilliseconds: Self.commandPollMilliseconds) {
            case .line(let line):
                guard !line.allSatisfy(\.isWhitespace) else { continue }
                answer(execute(line, on: cluster))
            case .waiting:
                continue
            case .ended:
                // Scripts and tests start the broker with stdin at /dev/null: end of input is
                // not a reason to stop, only a signal is.
                return SignalTrap.wait()
            }
        }
    }

    /// Runs one command line and returns its answer line.
    private func execute(_ line: String, on cluster: MockCluster) -> String {
        do {
            let command = try BrokerControlCommand(parsing: line, brokerCount: nodes)
            try command.apply(to: cluster)
            report("\(command.action.rawValue) \(command.target == .all ? "all brokers" : "broker \(command.target)")")
            return command.confirmation
        } catch {
            return "error: \(error)"
        }
    }

    /// One line on stdout, written at once (not buffered) so that a reader waiting for it gets it.
    private func answer(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func report(_ message: String) {
        FileHandle.standardError.write(Data("revisit broker: \(message)\n".utf8))
    }
}
