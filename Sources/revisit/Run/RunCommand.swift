import ArgumentParser
import Foundation
import Logging
import RevisitCore
import RevisitKafka
import RevisitRuntime
import ServiceLifecycle
import Synchronization

/// `revisit run`: the long-running pipeline, one member of the application's consumer group.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline on Kafka as a member of the application's consumer group.",
        discussion: """
            The pipeline file's application_id is the consumer group and the prefix of the state \
            topic (<application_id>.state). Each assigned input partition is restored from the \
            state topic, then processed; its outputs go to the same partition of each output \
            topic, exactly once. Start more processes with the same pipeline file to share the \
            partitions. SIGTERM or SIGINT finishes the batch in hand, writes a last checkpoint, \
            leaves the group and exits 0.
            """)

    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: ArgumentHelp(
        "Create the input topic with this many partitions when it is missing (default: a missing input topic is an error).",
        valueName: "n"))
    var partitions: Int?

    @Option(name: .customLong("ready-file"), help: ArgumentHelp(
        "A file that exists exactly while every assigned partition is restored and processing (readiness probes).",
        valueName: "path"))
    var readyFile: String?

    @Flag(name: .customLong("exit-when-caught-up"), help: "Stop once every assigned partition has no lag (catch-up runs, benchmarks).")
    var exitWhenCaughtUp = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level takes trace, debug, info, notice, warning, error or critical; got \"\(logLevel)\"")
        }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
    }

    func run() async throws {
        let settings = try pipeline.configuration()
        let level = Logger.Level(rawValue: logLevel)!
        var logger = Logger(label: "revisit.run") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        var configuration = PipelineRunnerConfiguration(
            pipeline: settings, kafka: kafka.configuration(clientID: "revisit-run", pipeline: settings))
        configuration.inputPartitionsIfMissing = partitions
        configuration.readyFile = readyFile
        configuration.exitWhenCaughtUp = exitWhenCaughtUp
        let result = Mutex<PipelineRunSummary?>(nil)
        let service = PipelineService(configuration: configuration, logger: logger) { summary in
            result.withLock { $0 = summary }
        }
        let group = ServiceGroup(configuration: .init(
            // A runner that stops by itself (caught up) ends the group like a signal would.
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch let error as PipelineError {
            throw CommandFailure("revisit run: \(error)")
        }
        if let summary = result.withLock({ $0 }) {
            logger.info("stopped: \(summary.totals.messages) messages, \(summary.outputsWritten) outputs written, \(summary.checkpoints) checkpoints")
            print(summary.json)
        }
    }
}
