import ArgumentParser
import RevisitBenchmarks

/// `revisit bench fit`: the options of ``FitSpreadBenchmark``.
struct FitBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Measure how far revisit fit's estimates fall from the parameters that generated simulated data, and the time per fit."
    )

    private static let defaults = FitSpreadBenchmark()

    @Option(help: "Simulated samples per model.")
    var seeds = defaults.seeds

    @Option(help: "Customers per sample.")
    var customers = defaults.customers

    func run() throws {
        var benchmark = FitSpreadBenchmark()
        benchmark.seeds = seeds
        benchmark.customers = customers
        try benchmark.run()
    }
}
