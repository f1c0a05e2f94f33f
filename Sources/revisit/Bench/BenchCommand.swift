import ArgumentParser

/// `revisit bench`: the performance benchmarks whose numbers the README records.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: the Kafka layer against kcat, the pure core, the pipeline end to end, and revisit serve's profile lookups.",
        subcommands: [KafkaBenchmark.self, CoreBenchmarks.self, PipelineBenchmark.self, ServeBenchmark.self])
}
