import ArgumentParser
import Foundation
import Logging
import RevisitCore
import RevisitKafka
import RevisitRuntime
import RevisitServer
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
            leaves the group and exits 0. With --http, an HTTP server answers /metrics \
            (Prometheus), /healthz (the processing loop went round within 30 s) and /readyz \
            (every assigned partition restored: the condition of --ready-file), each open \
            unless --protect puts it behind the tokens of --operations-token-file \
            (or REVISIT_OPERATIONS_TOKENS).
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

    @Option(name: .customLong("http"), help: ArgumentHelp(
        "Serve /metrics, /healthz and /readyz on this address; a port alone is on 127.0.0.1 (port 0: any free port; the log says which). Default: no HTTP server.",
        valueName: "host:port"))
    var http: String?

    @OptionGroup var access: OperationsAccessOptions

    @Flag(name: .customLong("exit-when-caught-up"), help: "Stop once every assigned partition has no lag (catch-up runs, benchmarks).")
    var exitWhenCaughtUp = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level takes trace, debug, info, notice, warning, error or critical; got \"\(logLevel)\"")
        }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
        if let http {
            do {
                _ = try HTTPListenAddress(parsing: http)
            } catch {
                throw ValidationError("--http \(error)")
            }
        } else if !access.protect.isEmpty || access.operationsTokenFile != nil {
            throw ValidationError("--protect and --operations-token-file protect the endpoints of --http; give --http HOST:PORT")
        }
    }

    func run() async throws {
        let settings = try pipeline.configuration()
        let level = Logger.Level(rawValue: logLevel)!
        // Every logger of the process at the level asked for, the Kafka clients' included:
        // `--log-level debug -X debug=cgrp` shows librdkafka's debug lines.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "revisit.run")
        logger.logLevel = level
        var configuration = PipelineRunnerConfiguration(
            pipeline: settings, kafka: kafka.configuration(clientID: "revisit-run", pipeline: settings))
        configuration.inputPartitionsIfMissing = partitions
        configuration.readyFile = readyFile
        configuration.exitWhenCaughtUp = exitWhenCaughtUp
        let result = Mutex<PipelineRunSummary?>(nil)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var service = PipelineService(configuration: configuration, logger: logger) { summary in
            result.withLock { $0 = summary }
        }
        if let http {
            let address = try HTTPListenAddress(parsing: http)
            let control: HTTPAccessControl
            do {
                let operations = try access.operations(environment: ProcessInfo.processInfo.environment)
                control = try HTTPAccessControl(api: nil, operations: operations.tokens, protecting: operations.endpoints)
            } catch {
                throw CommandFailure("revisit run: \(error)")
            }
            control.logStart(logger)
            if !address.isLoopback, HTTPAccessControl.Endpoint.operations.allSatisfy({ !control.isProtected($0) }) {
                logger.warning("""
                    --http \(address) listens beyond this host with no access control: anyone who reaches the port \
                    reads /metrics, /healthz and /readyz; put them behind tokens with --protect and \
                    \(OperationsAccessOptions.tokenFileOption), or listen on 127.0.0.1 (see Security and privacy in the README)
                    """)
            }
            if !control.tokenSets.isEmpty {
                services.append(.init(service: TokenReloadService(tokens: control.tokenSets, logger: logger), successTerminationBehavior: .ignore))
            }
            let observability = ProcessObservability()
            service.configuration.metricsFactory = observability.metricsFactory
            service.configuration.health = observability.health
            // The pipeline starts once the server listens: probes answer from the start, and
            // an address in use stops the command before it joins the group.
            let (listening, announce) = AsyncStream<Void>.makeStream()
            service.startsAfter = {
                for await _ in listening { break }
                try Task.checkCancellation()
            }
            let server = ObservabilityServer.application(
                address: address, health: observability.health, registry: observability.registry, access: control,
                logger: logger
            ) { [logger] bound in
                logger.info("http: listening on \(bound) (/metrics, /healthz, /readyz)")
                announce.yield()
                announce.finish()
            }
            services.append(.init(service: ObservabilityService(server: server, address: address)))
        }
        // Last, so that it is the first to stop. A runner that stops by itself (caught up)
        // ends the group like a signal would.
        services.append(.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as PipelineError {
            throw CommandFailure("revisit run: \(error)")
        } catch let error as HTTPServerError {
            throw CommandFailure("revisit run: \(error)")
        }
        if let summary = result.withLock({ $0 }) {
            logger.info("stopped: \(summary.totals.messages) messages, \(summary.outputsWritten) outputs written, \(summary.checkpoints) checkpoints")
            print(summary.json)
        }
    }
}
