import ArgumentParser
import RevisitBenchmarks

/// `revisit bench`: the performance benchmarks whose numbers the README records. The
/// benchmarks themselves are in the `RevisitBenchmarks` module; these commands map the
/// options onto them.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: the Kafka layer against kcat, the pure core, the pipeline end to end, revisit serve's profile lookups, and the churn fit's sampling spread.",
        subcommands: [
            KafkaBenchCommand.self, CoreBenchCommand.self, PipelineBenchCommand.self, ServeBenchCommand.self,
            FitBenchCommand.self,
        ])
}

extension BenchmarkHost {
    /// The `revisit` executable: mimalloc (see ``Allocator``) and the priority of `revisit
    /// serve`'s topic reader (``ReaderPriority``).
    static let revisit = BenchmarkHost(
        allocator: Allocator.description,
        releaseFreedMemory: { Allocator.releaseFreedMemory() },
        lowerReaderPriority: { ReaderPriority.lower() })
}
