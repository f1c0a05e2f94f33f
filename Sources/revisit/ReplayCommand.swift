import ArgumentParser
import Foundation
import RevisitCore
import RevisitRuntime

/// `revisit replay`: process a JSONL file of events from fresh state into output files.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a JSONL event file into profiles, sessions, alerts and dead letters.",
        discussion: """
            Each line is one event; line order is arrival order. Users are split into \
            --partitions partitions with Kafka's default partitioner on the user id. Writes \
            DIR/profiles.jsonl, DIR/sessions.jsonl, DIR/alerts.jsonl and DIR/dlq.jsonl; the \
            same input always gives the same bytes.
            """
    )

    @Option(name: .long, help: "The JSONL file of events to replay.")
    var input: String

    @Option(name: .long, help: "Directory for the output files (created if needed).")
    var out: String

    @Option(name: .customLong("as-of"), help: "End-of-input instant (RFC 3339 or epoch ms); default: the largest event time.")
    var asOf: String?

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .long, help: "Number of partitions to split users into.")
    var partitions: Int = 1

    func validate() throws {
        guard partitions >= 1 && partitions <= 4096 else {
            throw ValidationError("--partitions must be between 1 and 4096")
        }
        if let asOf, EventTime.parse(asOf) == nil {
            throw ValidationError("--as-of must be epoch milliseconds or an RFC 3339 date-time with offset, not '\(asOf)'")
        }
    }

    func run() throws {
        let configuration = try pipeline.configuration()
        let replay = JSONLReplay(
            inputPath: input, outputDirectory: out, rules: configuration.rules,
            partitions: partitions, asOf: asOf.flatMap(EventTime.parse))
        do {
            let summary = try replay.run { lines in
                FileHandle.standardError.write(Data("... \(lines) lines\n".utf8))
            }
            var text = summary.text
            if let end = summary.asOf { text += "\nas of:         \(EventTime.format(end))" }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } catch {
            throw CommandFailure("replay failed: \(error)")
        }
    }
}
