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
            With --token-file (or REVISIT_TOKENS), the API needs one of its bearer tokens and \
            the dashboard asks for one; --protect puts /metrics, /healthz, /readyz behind the \
            operations tokens. --mask-key-file shows user ids masked (HMAC-SHA256). Token files \
            are re-read on SIGHUP. SIGTERM or SIGINT ends the alert streams and stops.
            """)

    @OptionGroup var pipeline: PipelineOptions
    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: ArgumentHelp(
        "Where to listen, HOST:PORT, or a port alone on 127.0.0.1 (0.0.0.0:8080 for every interface; port 0: any free port).",
        valueName: "host:port"))
    var http = "127.0.0.1:8080"

    @Option(name: .customLong("token-file"), help: ArgumentHelp(
        "File of the bearer tokens that open the API and the dashboard, one per line (or set REVISIT_TOKENS); re-read on SIGHUP.",
        valueName: "file"))
    var tokenFile: String?

    @OptionGroup var access: OperationsAccessOptions

    @Option(name: .customLong("mask-key-file"), help: ArgumentHelp(
        "Show user ids masked, as HMAC-SHA256 under the key in this file (at least 32 bytes; openssl rand -hex 32).",
        valueName: "file"))
    var maskKeyFile: String?

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
        let (control, mask) = try security(logger: logger)
        if !address.isLoopback, !control.isProtected(.api) {
            logger.warning("""
                --http \(address) listens beyond this host with no access control: anyone who reaches the port reads \
                every user's profile and alerts; give tokens with --token-file FILE or REVISIT_TOKENS, or listen on \
                127.0.0.1 behind a proxy (see Security and privacy in the README)
                """)
        }
        OpenFileLimit.raiseToHardLimit(logger: logger)

        let observability = ProcessObservability()
        let stores = ServeStores(topics: ServeStores.Topics(settings.topics), alertsKept: alertsKept, mask: mask)
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
            chartLibrary: chartLibrary, limits: limits, access: control, logger: logger
        ) { bound in
            // The line scripts and tests wait for; the log line goes to stderr.
            FileHandle.standardOutput.write(Data("revisit serve: dashboard at http://\(bound)/\n".utf8))
        }
        // Stopped in reverse order: the reader first, which ends the alert streams, then the
        // server, which waits for the requests in flight.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if !control.tokenSets.isEmpty {
            services.append(.init(service: TokenReloadService(tokens: control.tokenSets, logger: logger), successTerminationBehavior: .ignore))
        }
        services.append(.init(service: server))
        services.append(.init(service: reader, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(
            services: services,
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

    /// The tokens of each endpoint and the mask of user ids, read and checked before anything
    /// starts; logs what is protected and warns of secret files other users can read.
    private func security(logger: Logger) throws -> (HTTPAccessControl, UserIDMask?) {
        let environment = ProcessInfo.processInfo.environment
        do {
            var api: AccessTokens?
            if let source = try AccessTokenSource.chosen(
                file: tokenFile, option: "--token-file", variable: "REVISIT_TOKENS", environment: environment) {
                api = try AccessTokens(source: source, environment: environment)
            }
            let operations = try access.operations(environment: environment)
            let control = try HTTPAccessControl(api: api, operations: operations.tokens, protecting: operations.endpoints)
            var mask: UserIDMask?
            if let maskKeyFile { mask = try UserIDMask(keyFile: maskKeyFile) }
            control.logStart(logger)
            if let maskKeyFile {
                logger.info("user ids are shown masked (HMAC-SHA256 with the key of \(maskKeyFile))")
                if let exposure = UserIDMask.exposure(ofKeyFile: maskKeyFile) { logger.warning("\(exposure)") }
            }
            return (control, mask)
        } catch {
            throw CommandFailure("revisit serve: \(error)")
        }
    }
}
