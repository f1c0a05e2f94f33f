import ArgumentParser

/// The `revisit` command: a stream processor for user retention.
@main
struct Revisit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revisit",
        abstract: "Sessions, streaks, tiers, lifecycle stages and churn risk per user, from a Kafka event stream.",
        subcommands: [
            RunCommand.self,
            ReplayCommand.self,
            FitCommand.self,
            MetricsCommand.self,
            ServeCommand.self,
            BrokerCommand.self,
            ProduceCommand.self,
            TailCommand.self,
            TopicsCommand.self,
            BenchCommand.self,
            GenerateCommand.self,
        ]
    )

    static func main() async {
        Allocator.applyDefaults()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
