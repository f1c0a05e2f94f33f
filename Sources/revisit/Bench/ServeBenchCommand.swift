import ArgumentParser
import RevisitBenchmarks

/// `revisit bench serve`: the options of ``ServeBenchmark``.
struct ServeBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Benchmark the profile table of revisit serve: bytes per profile and lookup latency (in process and over HTTP).")

    private static let defaults = ServeBenchmark(host: .revisit)

    @Option(help: "Profiles in the table.")
    var profiles = defaults.profiles

    @Option(help: "Lookups timed in the process.")
    var lookups = defaults.lookups

    @Option(help: "HTTP requests per phase (with and without a writer).")
    var requests = defaults.requests

    @Option(help: "HTTP connections, each with a thread of its own sending requests one after the other.")
    var connections = defaults.connections

    func validate() throws {
        do {
            try configured.validate()
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        try await configured.run()
    }

    private var configured: ServeBenchmark {
        var benchmark = ServeBenchmark(host: .revisit)
        benchmark.profiles = profiles
        benchmark.lookups = lookups
        benchmark.requests = requests
        benchmark.connections = connections
        return benchmark
    }
}
