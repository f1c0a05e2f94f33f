import ArgumentParser
import Foundation
import RevisitCore
import RevisitKafka
import RevisitRuntime

/// `revisit replay`: process a JSONL file, or a range of a Kafka topic, from fresh state into
/// output files or prefixed output topics (SPEC 8, replay / backfill).
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a JSONL event file or a range of a Kafka topic into profiles, sessions, alerts and dead letters.",
        discussion: """
            From a file (--input): each line is one event; line order is arrival order. Users are \
            split into --partitions partitions with Kafka's default partitioner on the user id. \
            Writes DIR/profiles.jsonl, DIR/sessions.jsonl, DIR/alerts.jsonl and DIR/dlq.jsonl.

            From a topic (--topic, a backfill): one processor per partition of the topic, from \
            fresh state, reading each partition from --from to the end offsets it has when the \
            replay starts, or to its first message stamped after --to. --from and --to are Kafka \
            message timestamps (the time the producer or broker stamped, which offsets-for-times \
            answers; revisit produce lets librdkafka stamp the produce time), not the events' ts. \
            Outputs go to --out DIR (the four files) or to the pipeline's output topics with \
            --output-prefix (backfill.revisit.profiles, ...), the records of input partition p to \
            partition p; those topics must exist with at least as many partitions as the input, or \
            be creatable. Progress is shown on stderr.

            Either way, the same input always gives the same bytes.
            """
    )

    // MARK: - Input

    @Option(name: .long, help: "The JSONL file of events to replay.")
    var input: String?

    @Option(name: .long, help: "The Kafka topic to replay (instead of --input).")
    var topic: String?

    @Option(name: .long, help: ArgumentHelp(
        "With --topic: the first message timestamp to replay (RFC 3339 or epoch ms), or earliest.", valueName: "time"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp(
        "With --topic: stop each partition at its first message stamped after this time (RFC 3339 or epoch ms).",
        valueName: "time"))
    var to: String?

    // MARK: - Output

    @Option(name: .long, help: "Directory for the output files (created if needed).")
    var out: String?

    @Option(name: .customLong("output-prefix"), help: ArgumentHelp(
        "With --topic: write to the output topics with this prefix instead of files, e.g. backfill.", valueName: "prefix"))
    var outputPrefix: String?

    @Option(name: .customLong("as-of"), help: "End-of-input instant (RFC 3339 or epoch ms); default: the largest event time.")
    var asOf: String?

    @Option(name: .long, help: "With --input: number of partitions to split users into (default 1).")
    var partitions: Int?

    @OptionGroup var pipeline: PipelineOptions

    @OptionGroup var kafka: KafkaOptions

    // MARK: - Validation

    func validate() throws {
        switch (input, topic) {
        case (nil, nil): throw ValidationError("replay needs --input FILE (a JSONL file) or --topic NAME (a Kafka topic)")
        case (.some, .some): throw ValidationError("--input and --topic are exclusive: replay either a file or a topic")
        case (.some, nil): try validateFileReplay()
        case (nil, .some): try validateTopicReplay()
        }
        if let asOf, EventTime.parse(asOf) == nil {
            throw ValidationError("--as-of must be epoch milliseconds or an RFC 3339 date-time with offset, not '\(asOf)'")
        }
    }

    private func validateFileReplay() throws {
        guard out != nil else { throw ValidationError("a file replay writes files: give --out DIR") }
        if outputPrefix != nil {
            throw ValidationError("--output-prefix writes to Kafka topics and needs --topic; a file replay writes --out DIR")
        }
        if from != nil || to != nil { throw ValidationError("--from and --to choose a range of a topic; they need --topic") }
        if kafka.brokers != nil || !kafka.properties.isEmpty {
            throw ValidationError("--brokers and -X are for --topic replays; a file replay does not use Kafka")
        }
        if let partitions, !(1...4096).contains(partitions) {
            throw ValidationError("--partitions must be between 1 and 4096")
        }
    }

    private func validateTopicReplay() throws {
        guard let from else {
            throw ValidationError("a topic replay needs --from: a time (RFC 3339 or epoch ms) or earliest")
        }
        guard from == "earliest" || EventTime.parse(from) != nil else {
            throw ValidationError("--from must be earliest, epoch milliseconds or an RFC 3339 date-time with offset, not '\(from)'")
        }
        if let to, EventTime.parse(to) == nil {
            throw ValidationError("--to must be epoch milliseconds or an RFC 3339 date-time with offset, not '\(to)'")
        }
        if let start = EventTime.parse(from), let end = to.flatMap(EventTime.parse), start > end {
            throw ValidationError("--from \(from) is after --to \(to!): the range is empty")
        }
        switch (out, outputPrefix) {
        case (nil, nil): throw ValidationError("a topic replay needs --out DIR (files) or --output-prefix PREFIX (topics)")
        case (.some, .some): throw ValidationError("--out and --output-prefix are exclusive: write files or topics")
        default: break
        }
        // An empty prefix would make the backfill a second writer of the live output topics.
        if let outputPrefix, outputPrefix.isEmpty {
            throw ValidationError("--output-prefix must not be empty: the backfill would write into the live output topics")
        }
        if partitions != nil {
            throw ValidationError("--partitions is for --input; a topic replay has one partition per partition of the topic")
        }
    }

    // MARK: - Running

    func run() throws {
        let configuration = try pipeline.configuration()
        if let topic { return try replayTopic(topic, configuration: configuration) }
        let replay = JSONLReplay(
            inputPath: input!, outputDirectory: out!, rules: configuration.rules,
            partitions: partitions ?? 1, asOf: asOf.flatMap(EventTime.parse))
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

    private func replayTopic(_ topic: String, configuration: PipelineConfiguration) throws {
        var topics = configuration.topics
        topics.input = topic
        let start: TopicReplay.Start = from == "earliest" ? .earliest : .timestamp(EventTime.parse(from!)!)
        let destination: TopicReplay.Destination = outputPrefix.map { .topics(prefix: $0) } ?? .directory(out!)
        var replay = TopicReplay(
            topics: topics, kafka: kafka.configuration(clientID: "revisit-replay", pipeline: configuration),
            rules: configuration.rules, start: start, destination: destination,
            endTimestamp: to.flatMap(EventTime.parse), asOf: asOf.flatMap(EventTime.parse))
        replay.creationConfigs = configuration.topicCreationConfigs
        replay.warn = { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
        let display = ReplayProgressDisplay()
        var last: ReplayProgress?
        let summary: TopicReplaySummary
        do {
            summary = try replay.run { progress in
                last = progress
                display.show(progress)
            }
        } catch {
            display.finish(nil)
            throw CommandFailure("replay of \(topic) failed: \(error)")
        }
        display.finish(last)
        var text = summary.text
        switch destination {
        case .directory(let directory): text += "\noutputs:       \(directory)/{profiles,sessions,alerts,dlq}.jsonl"
        case .topics(let prefix):
            text += "\noutputs:       " + topics.withOutputPrefix(prefix).outputs.joined(separator: ", ")
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
