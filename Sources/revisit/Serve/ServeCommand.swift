import ArgumentParser
import Foundation
import Logging
import RevisitCore
import RevisitServer
import ServiceLifecycle

/// `revisit serve`: the dashboard and the JSON API of what the pipeline writes, from its
/// output topics. A process of its own, with no state to keep: it reads the topics from their
/// start at every start, so it can run anywhere, as many times as wanted, and restart freely.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the operations dashboard and a JSON API of the daily metrics, profiles and alerts.",
        discussion: """
            Reads the metrics, profile and alert topics of the pipeline (topics.* of the pipeline \
            file) from their first message, then follows them, outside any consumer group. \
            /readyz answers 200 once each topic is read to the end offsets it had at start. \
            The dashboard is at /, the API under /api/v1/ (daily, campaigns, profiles/{user_id}, \
            alerts/stream, status), with /metrics, /healthz and /readyz. The charts use Debian's \
            libjs-chart.js from the server's disk: nothing is fetched from the internet. \
            SIGTERM or SIGINT ends the alert streams and stops.
            """)

    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: ArgumentHelp(
        "Where to listen, HOST:PORT (0.0.0.0:8080 for every interface; port 0: any free port).", valueName: "host:port"))
    var http = "127.0.0.1:8080"

    @Option(name: .customLong("alerts-kept"), help: ArgumentHelp(
        "Recent alerts kept for the live feed (newest by their time).", valueName: "n"))
    var alertsKept = 1000

    @Option(name: .customLong("chart-js"), help: ArgumentHelp(
        "Chart.js 3 (its UMD build) for the dashboard's charts; the default is where Debian's libjs-chart.js puts it.",
        valueName: "file"))
    var chartJS = ChartLibrary.debianPath

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp(
        "Seconds a connection may go without completing a request before it is closed.", valueName: "seconds"))
    var idleTimeout = 30

    @Option(name: .customLong("max-connections"), help: ArgumentHelp(
        "Connections served at once; more wait in the listen backlog.", valueName: "n"))
    var maxConnections = 4096

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        do {
            _ = try HTTPListenAddress(parsing: http)
        } catch {
            throw ValidationError("--http \(error)")
        }
        guard (1...1_000_000).contains(alertsKept) else { throw ValidationError("--alerts-kept takes 1 to 1000000") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout takes at least 1 second") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections takes at least 1") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level takes trace, debug, info, notice, warning, error or critical; got \"\(logLevel)\"")
        }
    }

    func run() async throws {
        let settings = try pipeline.configuration()
        var logger = Logger(label: "revisit.serve") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        let address = try HTTPListenAddress(parsing: http)
        OpenFileLimit.raiseToHardLimit(logger: logger)

        let observability = ProcessObservability()
        let stores = ServeStores(topics: ServeStores.Topics(settings.topics), alertsKept: alertsKept)
        let gauges = ServeGauges(registry: observability.registry, topics: stores.topics)
        let chartLibrary = ChartLibrary(path: chartJS)
        if let problem = chartLibrary.problem { logger.warning("\(problem)") }
        var limits = ServeServer.defaultLimits()
        limits.idleTimeout = .seconds(idleTimeout)
        limits.maxConnections = maxConnections

        let reader = TopicReaderService(
            kafka: kafka.configuration(clientID: "revisit-serve", pipeline: settings), stores: stores,
            health: observability.health, gauges: gauges, logger: logger)
        let server = ServeServer.application(
            address: address, stores: stores, health: observability.health, registry: observability.registry,
            chartLibrary: chartLibrary, limits: limits, logger: logger
        ) { bound in
            // The line scripts and tests wait for; the log line goes to stderr.
            FileHandle.standardOutput.write(Data("revisit serve: dashboard at http://\(bound)/\n".utf8))
        }
        // Stopped in reverse order: the reader first, which ends the alert streams, then the
        // server, which waits for the requests in flight.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: server),
                .init(service: reader, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch let error as ServeError {
            throw CommandFailure("revisit serve: \(error)")
        } catch {
            throw CommandFailure("revisit serve: cannot serve on \(address): \(error)")
        }
    }
}
