import ArgumentParser
import RevisitBenchmarks

/// `revisit bench pipeline`: the options of ``PipelineBenchmark``.
struct PipelineBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Throughput, latency and restore time of `revisit run` end to end, through the embedded broker; replay and tail on the same topic.",
        discussion: """
            Starts `revisit broker` and `revisit run` (this same binary) and kcat as child processes. \
            Measure the release build: swift build -c release --scratch-path .build-bench && \
            .build-bench/release/revisit bench pipeline
            """)

    private static let defaults = PipelineBenchmark(host: .revisit)

    @Option(help: "Run only this section: throughput, latency, restore or backfill (default: all four).")
    var only: PipelineBenchmark.Section?

    @Option(help: "Throughput and backfill: input events.")
    var events = defaults.events

    @Option(help: "Throughput and backfill: distinct users.")
    var users = defaults.users

    @Option(help: "Throughput, latency and backfill: partitions of the input and of every pipeline topic.")
    var partitions = defaults.partitions

    @Option(help: "Throughput and backfill: days of event time the traffic spreads over, ending at today's UTC midnight.")
    var days = defaults.days

    @Option(help: "Throughput: times kcat and one `revisit run` each read the input; backfill: rounds of every reader (the figures are their medians).")
    var runs = defaults.runs

    @Option(help: "Seed of the generated traffic.")
    var seed = defaults.seed

    @Option(help: "Latency: events per second produced.")
    var latencyRate = defaults.latencyRate

    @Option(help: "Latency: seconds of steady production.")
    var latencySeconds = defaults.latencySeconds

    @Option(help: "Latency: first seconds of production whose outputs are left out (warm-up).")
    var latencyWarmup = defaults.latencyWarmup

    @Option(help: "Latency: distinct users of the live traffic.")
    var latencyUsers = defaults.latencyUsers

    @Option(help: "Latency: also measure with the pipeline's kafka.fetch.wait.max.ms at this value (0: skip).")
    var tunedFetchWaitMs = defaults.tunedFetchWaitMs

    @Option(help: "Restore: users (one event each).")
    var restoreUsers = defaults.restoreUsers

    @Option(help: "Restore: partitions of the input, outputs and state topic (the state must fit 5 MiB per partition).")
    var restorePartitions = defaults.restorePartitions

    @Option(help: "Backfill: directory for the files of `revisit replay --out` (default: the log directory).")
    var backfillOutputDirectory: String?

    @Option(help: "Seconds a catch-up member may take before the benchmark stops it and fails.")
    var timeout = defaults.timeout

    @Option(help: "kcat binary.")
    var kcat = defaults.kcat

    @Flag(help: "Keep the children's logs (stdout, stderr) after a successful run too.")
    var keepLogs = defaults.keepLogs

    @Option(help: "--log-level of the revisit run children (their stderr goes to the log directory).")
    var memberLogLevel = defaults.memberLogLevel

    @Option(name: .customLong("member-set"), help: ArgumentHelp(
        "A setting for every revisit run child, NAME=VALUE (repeatable; after the benchmark's own), e.g. kafka.debug=cgrp.",
        valueName: "name=value"))
    var memberSettings = defaults.memberSettings

    @Flag(name: .customLong("member-http"), help: "Run every revisit run child with --http 127.0.0.1:0: metrics and health served (compare with a run without).")
    var memberHTTP = defaults.memberHTTP

    func validate() throws {
        do {
            try configured.validate()
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() throws {
        do {
            try configured.run()
        } catch is PipelineBenchmark.ReportedFailure {
            // Printed with where the children's logs are; only the exit status is left to set.
            throw ExitCode.failure
        }
    }

    private var configured: PipelineBenchmark {
        var benchmark = PipelineBenchmark(host: .revisit)
        benchmark.only = only
        benchmark.events = events
        benchmark.users = users
        benchmark.partitions = partitions
        benchmark.days = days
        benchmark.runs = runs
        benchmark.seed = seed
        benchmark.latencyRate = latencyRate
        benchmark.latencySeconds = latencySeconds
        benchmark.latencyWarmup = latencyWarmup
        benchmark.latencyUsers = latencyUsers
        benchmark.tunedFetchWaitMs = tunedFetchWaitMs
        benchmark.restoreUsers = restoreUsers
        benchmark.restorePartitions = restorePartitions
        benchmark.backfillOutputDirectory = backfillOutputDirectory
        benchmark.timeout = timeout
        benchmark.kcat = kcat
        benchmark.keepLogs = keepLogs
        benchmark.memberLogLevel = memberLogLevel
        benchmark.memberSettings = memberSettings
        benchmark.memberHTTP = memberHTTP
        return benchmark
    }
}

extension PipelineBenchmark.Section: ExpressibleByArgument {}
