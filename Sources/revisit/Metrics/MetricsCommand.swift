import ArgumentParser
import Foundation
import RevisitCore
import RevisitKafka
import RevisitRuntime

/// `revisit metrics`: the daily aggregates of SPEC 7 for the whole pipeline, from the metrics
/// topic or a replay's `metrics.jsonl`, and with `--campaigns` the win-back campaigns over a
/// range of days.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the daily metrics (all partitions added up) or, with --campaigns, the win-back campaign results.",
        discussion: """
            Reads the records of every partition, from the metrics topic (--topic, read from its \
            first to its last message) or from a replay's metrics.jsonl (--input). When a partition \
            and date come twice, the later record counts. Prints one line per day with the summed \
            fields and the rates stickiness = active_users / mau, revisit_rate = revisit.returned / \
            revisit.base, retention.dN.rate = retained / cohort and recall_rate = recalled / \
            churned_at_start; a rate whose denominator is 0 is absent (its JSON key is left out, its \
            CSV field empty, "-" in the table).

            With --campaigns: one line per campaign and variant, summed over the days from --from \
            to --to: matured, returned, rate and, for each variant other than control, uplift = \
            rate - rate(control) and the two-sided p-value of the pooled two-proportion z-test.

            --format json writes one JSON object per line; csv a header and one row per line.
            """)

    /// How the report is printed.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    // MARK: - Options

    @Option(name: .long, help: ArgumentHelp("A replay's metrics.jsonl (instead of --topic).", valueName: "file"))
    var input: String?

    @Option(name: .long, help: ArgumentHelp("The metrics topic to read, e.g. revisit.metrics (instead of --input).", valueName: "name"))
    var topic: String?

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: ArgumentHelp("The first day to report (YYYY-MM-DD, inclusive).", valueName: "date"))
    var from: String?

    @Option(name: .long, help: ArgumentHelp("The last day to report (YYYY-MM-DD, inclusive).", valueName: "date"))
    var to: String?

    @Option(name: .long, help: "table (for a terminal), json (one object per line) or csv.")
    var format: Format = .table

    @Flag(name: .long, help: "Report the win-back campaigns over the range instead of the days.")
    var campaigns = false

    /// How long reading the topic may go without a message while a partition is unfinished.
    static let stallTimeoutSeconds: TimeInterval = 30

    // MARK: - Validation

    func validate() throws {
        switch (input, topic) {
        case (nil, nil): throw ValidationError("metrics needs --input FILE (a metrics.jsonl) or --topic NAME (the metrics topic)")
        case (.some, .some): throw ValidationError("--input and --topic are exclusive: read either a file or a topic")
        case (.some, nil):
            if kafka.brokers != nil || !kafka.properties.isEmpty {
                throw ValidationError("--brokers and -X apply to --topic; a file needs neither")
            }
        case (nil, .some): break
        }
        let (first, last) = try dateRange()
        if let first, let last, first > last {
            throw ValidationError("--from \(from!) is after --to \(to!)")
        }
    }

    /// `--from` and `--to` as day numbers.
    private func dateRange() throws -> (Int64?, Int64?) {
        func day(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            guard let day = CivilDate.dayNumber(text) else {
                throw ValidationError("\(flag) takes a date YYYY-MM-DD, got \"\(text)\"")
            }
            return day
        }
        return (try day(from, "--from"), try day(to, "--to"))
    }

    // MARK: - Run

    func run() throws {
        let records = try input.map(Self.readFile) ?? readTopic(topic!)
        let (first, last) = try dateRange()
        let report = DailyMetricsReport(records: records, from: first, to: last)
        if report.days.isEmpty {
            let range = (from != nil || to != nil) ? " from \(from ?? "the start") to \(to ?? "the end")" : ""
            FileHandle.standardError.write(Data("revisit metrics: no daily metrics records\(range) in \(input ?? "topic " + topic!)\n".utf8))
        }
        let text: String
        if campaigns {
            let evaluation = CampaignEvaluation(report: report)
            switch format {
            case .table: text = report.days.isEmpty ? "" : MetricsTable.campaigns(evaluation)
            case .json: text = evaluation.jsonLines()
            case .csv: text = evaluation.csv()
            }
        } else {
            switch format {
            case .table: text = report.days.isEmpty ? "" : MetricsTable.days(report)
            case .json: text = report.jsonLines()
            case .csv: text = report.csv()
            }
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    // MARK: - Reading

    static func readFile(_ path: String) throws -> [DailyMetricsRecord] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try DailyMetricsReader().records(jsonl: data, file: path)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// Every record of the topic, each partition from its first message to the end it has
    /// when reading starts, partitions in partition order.
    func readTopic(_ topic: String) throws -> [DailyMetricsRecord] {
        let reader = PartitionRangeReader(kafka: kafka.configuration(clientID: "revisit-metrics"), clientID: "revisit-metrics")
        let parser = DailyMetricsReader()
        var records: [TopicPartition: [DailyMetricsRecord]] = [:]
        var invalid: DailyMetricsReader.ReadError?
        do throws(PipelineError) {
            _ = try reader.readAll(of: topic) { message throws(PipelineError) in
                // A null value is a deletion marker of a compacted topic, not a record.
                guard invalid == nil, !message.value.isEmpty else { return }
                let source = DailyMetricsReader.Source.message(
                    topic: message.topic, partition: Int(message.partition), offset: message.offset)
                do throws(DailyMetricsReader.ReadError) {
                    records[message.topicPartition, default: []].append(try parser.record(Data(message.value), source: source))
                } catch {
                    invalid = error
                }
            }
        } catch where error.kind == .topics {
            throw CommandFailure(error.reason)
        } catch {
            throw CommandFailure("cannot read topic \(topic) from \(kafka.resolvedBrokers): \(error.reason)")
        }
        if let invalid { throw CommandFailure(invalid.description) }
        return records.keys.sorted().flatMap { records[$0]! }
    }
}
