import ArgumentParser
import RevisitBenchmarks

/// `revisit bench core`: the options of ``CoreBenchmarks``.
struct CoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Benchmark event decoding, output encoding, the operators, state size per user and file replay."
    )

    private static let defaults = CoreBenchmarks(host: .revisit)

    @Argument(help: "Which benchmark: decode, encode, operators, memory, replay, all, or replay-memory.")
    var benchmark = defaults.benchmark

    @Option(help: "Events decoded in the decode benchmark.")
    var decodeEvents = defaults.decodeEvents

    @Option(help: "Users in the operators benchmark.")
    var users = defaults.users

    @Option(help: "Events in the operators benchmark.")
    var events = defaults.events

    @Option(help: "User counts of the memory benchmark, comma-separated.")
    var memoryUsers = defaults.memoryUsers.map(String.init).joined(separator: ",")

    @Option(help: "Events in the generated replay file.")
    var replayEvents = defaults.replayEvents

    @Option(help: "Users of the replay-memory benchmark, two visits each (replay-memory measures revisit replay, then revisit run on a revisit broker child).")
    var replayMemoryUsers = defaults.replayMemoryUsers

    @Option(help: "Mean events per visit in generated traffic.")
    var sessionEvents = defaults.sessionEvents

    @Option(help: "Threads for the operators benchmark: users split into that many partitions, one processor each.")
    var threads = defaults.threads

    @Option(help: "Event-time density of generated traffic: events per day over all users.")
    var eventsPerDay = defaults.eventsPerDay

    @Option(help: "Directory for the replay benchmark's files.")
    var workDirectory = defaults.workDirectory

    func run() throws {
        try configured.run()
    }

    private var configured: CoreBenchmarks {
        var benchmark = CoreBenchmarks(host: .revisit)
        benchmark.benchmark = self.benchmark
        benchmark.decodeEvents = decodeEvents
        benchmark.users = users
        benchmark.events = events
        benchmark.memoryUsers = memoryUsers.split(separator: ",").compactMap { Int($0) }
        benchmark.replayEvents = replayEvents
        benchmark.replayMemoryUsers = replayMemoryUsers
        benchmark.sessionEvents = sessionEvents
        benchmark.threads = threads
        benchmark.eventsPerDay = eventsPerDay
        benchmark.workDirectory = workDirectory
        return benchmark
    }
}

extension CoreBenchmarks.Benchmark: ExpressibleByArgument {}
