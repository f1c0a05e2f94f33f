import ArgumentParser
import RevisitBenchmarks

/// `revisit bench kafka`: the options of ``KafkaBenchmark``.
struct KafkaBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Produce/consume rates of the Swift Kafka layer next to kcat, through the embedded broker.")

    private static let defaults = KafkaBenchmark()

    @Option(help: "Messages per run (~150-byte keyed JSON).")
    var messages = defaults.messages

    @Option(help: "Partitions of the benchmark topics.")
    var partitions = defaults.partitions

    @Option(help: "Distinct keys.")
    var keys = defaults.keys

    @Option(help: "Runs per client and direction; the best one is reported.")
    var runs = defaults.runs

    @Option(help: "kcat binary.")
    var kcat = defaults.kcat

    @Option(help: "Measure only this phase of the Swift layer, without kcat (for profiling): produce or consume.")
    var only: KafkaBenchmark.Phase?

    @Flag(help: "Host the mock cluster in this process instead of a `revisit broker` child process.")
    var inProcessBroker = defaults.inProcessBroker

    func run() throws {
        try configured.run()
    }

    private var configured: KafkaBenchmark {
        var benchmark = KafkaBenchmark()
        benchmark.messages = messages
        benchmark.partitions = partitions
        benchmark.keys = keys
        benchmark.runs = runs
        benchmark.kcat = kcat
        benchmark.only = only
        benchmark.inProcessBroker = inProcessBroker
        return benchmark
    }
}

extension KafkaBenchmark.Phase: ExpressibleByArgument {}
