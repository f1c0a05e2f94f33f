import ArgumentParser
import Foundation
import RevisitCore

/// `revisit generate`: a reproducible population of user activity as JSONL.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write generated user activity (JSONL, sorted by time) for demos, benchmarks and fitting.",
        discussion: """
            The population mixes frequent (about 3 visit days a week), monthly, quarterly, churning and \
            won-back users. A win-back campaign, winback_q2, runs as an A/B test over the last third \
            of the window: every user it can reach (half of the users) gets one campaign_touch once silent \
            for 30 days or more, half of them with variant sms and half with variant control (the \
            hold-out group); within 7 days 35% of the sms group and 12% of the control group come back. \
            --summary writes frequency,recency,T per user (days) for `revisit fit --csv`.
            """)

    @Option(help: "Number of users.")
    var users = 3_000

    @Option(help: "Simulated days.")
    var days = 180

    @Option(help: "First day (YYYY-MM-DD, UTC).")
    var start = "2026-01-01"

    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .customLong("invalid-rate"), help: "Share of broken events (0...1), for the dead-letter path.")
    var invalidRate = 0.0

    @Option(help: "Output file (default: standard output).")
    var output: String?

    @Option(help: "Also write a frequency,recency,T summary CSV to this file.")
    var summary: String?

    func run() throws {
        guard let startDay = Self.epochMilliseconds(ofDate: start) else {
            throw ValidationError("--start takes a date YYYY-MM-DD, got \"\(start)\"")
        }
        let simulator = ActivitySimulator(users: users, start: startDay, days: days, seed: seed, invalidRate: invalidRate)
        let (events, population) = simulator.generate()
        var text = ""
        text.reserveCapacity(events.count * 140)
        for event in events {
            text += event.line
            text += "\n"
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        if let summary {
            var csv = "user_id,persona,frequency,recency,T\n"
            for user in population {
                let first = user.visitDays.first!, last = user.visitDays.last!
                csv += "\(user.userID),\(user.persona.rawValue),\(user.visitDays.count - 1),\(last - first),\(days - first)\n"
            }
            try csv.write(toFile: summary, atomically: true, encoding: .utf8)
        }
        FileHandle.standardError.write(Data("revisit generate: \(events.count) events for \(users) users over \(days) days\n".utf8))
    }

    private static func epochMilliseconds(ofDate text: String) -> Int64? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]),
              (1...CivilDate.daysInMonth(year: parts[0], month: parts[1])).contains(parts[2]) else { return nil }
        return CivilDate.dayNumber(year: parts[0], month: parts[1], day: parts[2]) * CivilDate.millisecondsPerDay
    }
}
