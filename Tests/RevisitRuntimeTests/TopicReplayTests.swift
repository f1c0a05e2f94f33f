import Foundation
import RevisitCore
import RevisitKafka
import RevisitRuntime
import RevisitTestSupport
import Testing

/// Topic replays (backfills) against librdkafka's mock cluster, hosted in the test process,
/// compared with the file replay of the lines the topic was produced from.
@Suite("Topic replay")
struct TopicReplayTests {
    static let wallClock: Int64 = 1_800_000_000_000
    static let partitions = 4

    /// A mock cluster (or a noida-db broker) with an `events` topic (4 partitions unless
    /// told) and the lines produced to it.
    final class Fixture {
        let cluster: MockCluster?
        let partitions: Int
        /// A second Kafka implementation, which answers offsets-for-times (the mock cluster does not).
        let noida: NoidaBroker?
        let kafka: KafkaConfiguration
        /// What was produced, in produce order: each line and the time of its event.
        let events: [(line: String, ts: Int64)]

        /// Generated activity (about 4,000 events of 50 users) produced keyed by `user_id` with
        /// lz4, as `revisit produce` does; with `stamped`, each message carries its event's `ts`
        /// as its Kafka timestamp, else the producer stamps the produce time.
        init(seed: UInt64 = 5, users: Int = 50, invalidRate: Double = 0.01, extraLines: [String] = [], stamped: Bool = false,
             partitions: Int = TopicReplayTests.partitions, outputTopics: [String: Int] = [:], onNoida: Bool = false) throws {
            self.partitions = partitions
            if onNoida {
                let noida = try NoidaBroker()
                (self.noida, cluster, kafka) = (noida, nil, noida.kafka)
                // Without time-based deletion: stamped with old event times, the messages would
                // fall to the default seven-day retention at once.
                let topics = [("events", partitions)] + outputTopics.map { ($0.key, $0.value) }
                _ = try KafkaAdmin(configuration: kafka).createTopics(topics.map {
                    NewTopic(name: $0.0, partitions: $0.1, configs: ["retention.ms": "-1"])
                })
            } else {
                let cluster = try MockCluster()
                try cluster.createTopic("events", partitions: partitions)
                for (name, count) in outputTopics { try cluster.createTopic(name, partitions: count) }
                (noida, self.cluster, kafka) = (nil, cluster, KafkaConfiguration(brokers: cluster.bootstrapServers, properties: ["log_level": "2"]))
            }
            var events = ActivitySimulator(users: users, days: 100, seed: seed, invalidRate: invalidRate).generate().events
                .map { (line: $0.line, ts: $0.ts) }
            events += extraLines.map { (line: $0, ts: events.last!.ts) }
            self.events = events

            var configuration = KafkaProducerConfiguration(kafka: kafka)
            configuration.compression = .lz4
            let producer = try KafkaProducer(configuration: configuration)
            var reports: [DeliveryReport] = []
            for event in events {
                let value = Array(event.line.utf8)
                let message = OutgoingMessage(
                    topic: "events", key: Self.userID(in: value).map { Array($0.utf8) }, value: value,
                    timestamp: stamped ? event.ts : nil)
                try producer.send(message, waitingForRoom: &reports)
            }
            reports += try producer.flush(timeoutMilliseconds: 30_000)
            #expect(reports.count == events.count && reports.allSatisfy(\.isDelivered))
        }

        /// The key `revisit produce` gives a line: its top-level string `user_id`, if any.
        static func userID(in value: [UInt8]) -> String? {
            (try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])?["user_id"] as? String
        }

        func replay(_ destination: TopicReplay.Destination, start: TopicReplay.Start = .earliest, to: Int64? = nil,
                    asOf: Int64? = nil, readers: Int = TopicReplay.defaultReaders,
                    progress: (ReplayProgress) -> Void = { _ in }) throws -> TopicReplaySummary {
            var replay = TopicReplay(
                topics: TopicNames(), kafka: kafka, rules: RetentionRules(), start: start, destination: destination,
                endTimestamp: to, asOf: asOf)
            replay.wallClock = TopicReplayTests.wallClock
            replay.readers = readers
            replay.stallTimeout = 10
            return try replay.run(progress: progress)
        }

        /// The file replay of these lines (or of `lines`), with one partition per topic partition.
        func fileReplay(_ lines: [String]? = nil) throws -> (directory: String, summary: ReplaySummary) {
            let path = ScratchDirectory.path("topic-replay-input", suffix: ".jsonl")
            try (lines ?? events.map(\.line)).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            let directory = TopicReplayTests.temporaryDirectory()
            var replay = JSONLReplay(inputPath: path, outputDirectory: directory, rules: RetentionRules(),
                                     partitions: partitions)
            replay.wallClock = TopicReplayTests.wallClock
            return (directory, try replay.run())
        }

        /// Every message of a topic, per partition in offset order.
        func readAll(_ topic: String) throws -> [ConsumedMessage] {
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(kafka: kafka, groupID: nil))
            let count = try #require(try consumer.topicMetadata().first { $0.name == topic }).partitionCount
            var remaining: [TopicPartition: Int64] = [:]
            var positions: [TopicPartitionOffset] = []
            for p in 0..<Int32(count) {
                let partition = TopicPartition(topic, p)
                let (low, high) = try consumer.watermarks(of: partition)
                if high > low {
                    remaining[partition] = high
                    positions.append(TopicPartitionOffset(partition, offset: low))
                }
            }
            try consumer.assign(positions)
            var messages: [ConsumedMessage] = []
            let deadline = Date().addingTimeInterval(20)
            while !remaining.isEmpty, Date() < deadline {
                for message in try consumer.poll(timeoutMilliseconds: 100).messages {
                    messages.append(message)
                    if message.offset + 1 >= remaining[message.topicPartition] ?? .max { remaining[message.topicPartition] = nil }
                }
            }
            #expect(remaining.isEmpty, "\(topic) not read to its end")
            return messages.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        }
    }

    static func temporaryDirectory() -> String {
        ScratchDirectory.path("topic-replay-out")
    }

    static let recordFiles = ["profiles.jsonl", "sessions.jsonl", "alerts.jsonl"]

    static func lines(_ directory: String, _ file: String) throws -> [Substring] {
        String(decoding: try JSONLReplayTests.contents(directory, file), as: UTF8.self).split(separator: "\n")
    }

    /// What a replay that reads the partitions one at a time, in partition order, writes:
    /// `messages` (sorted by partition, then offset) through one processor per partition,
    /// each partition's records in emission order, partition after partition, then the final
    /// records of partition 0, 1, ...; daily aggregates at the end, by partition, then date.
    static func sequentialReplay(_ messages: [ConsumedMessage], partitions: Int) throws -> [String: Data] {
        var processors = try (0..<partitions).map { try PartitionProcessor(rules: RetentionRules(), wallClock: wallClock, partition: $0) }
        var files: [String: Data] = Dictionary(uniqueKeysWithValues: JSONLReplayTests.outputFiles.map { ($0, Data()) })
        var metrics: [Int: [DailyMetricsRecord]] = [:]
        func drain(_ p: Int) {
            processors[p].drainOutputs { record in
                let file: String
                switch record {
                case .profile, .tombstone: file = "profiles.jsonl"
                case .session: file = "sessions.jsonl"
                case .alert: file = "alerts.jsonl"
                case .deadLetter: file = "dlq.jsonl"
                case .metrics(let m, _):
                    metrics[p, default: []].append(m)
                    return
                }
                var buffer = JSONBuffer()
                OutputEncoder.append(record, to: &buffer)
                files[file]!.append(contentsOf: buffer.bytes + [0x0A])
            }
        }
        for message in messages {
            let p = Int(message.partition)
            processors[p].process(value: message.value, key: message.key, source: SourcePosition(
                topic: message.topic, partition: message.partition, offset: message.offset))
            drain(p)
        }
        if let end = processors.compactMap(\.maxTimestamp).max() {
            for p in processors.indices {
                processors[p].finish(at: end)
                drain(p)
            }
        }
        for p in metrics.keys.sorted() {
            for record in metrics[p]! {
                var buffer = JSONBuffer()
                OutputEncoder.append(record, to: &buffer)
                files["metrics.jsonl"]!.append(contentsOf: buffer.bytes + [0x0A])
            }
        }
        return files
    }

    // MARK: - Tests

    @Test("Two replays of the same topic give byte-identical files, with progress up to 100%")
    func replayIsDeterministic() throws {
        let fixture = try Fixture()
        var reports: [ReplayProgress] = []
        let first = Self.temporaryDirectory()
        let summary = try fixture.replay(.directory(first)) { reports.append($0) }
        let second = Self.temporaryDirectory()
        _ = try fixture.replay(.directory(second))
        for file in JSONLReplayTests.outputFiles {
            let bytes = try JSONLReplayTests.contents(first, file)
            #expect(!bytes.isEmpty, "\(file) is empty")
            #expect(bytes == (try JSONLReplayTests.contents(second, file)), "\(file) differs between runs")
        }
        #expect(summary.replay.linesRead == UInt64(fixture.events.count))
        #expect(summary.partitions.map(\.partition) == [0, 1, 2, 3])
        #expect(summary.partitions.reduce(0) { $0 + $1.processed } == UInt64(fixture.events.count))
        #expect(summary.partitions.allSatisfy { $0.isDone && $0.firstProcessed == 0 && $0.lastProcessed == $0.stopOffset - 1 })
        let last = try #require(reports.last)
        #expect(last.fraction == 1 && last.remainingOffsets == 0 && !last.isReading)
        #expect(summary.text.contains("offsets read:\n  events/0: offsets 0.."))
    }

    @Test("Partitions read by several threads give the bytes of reading them one at a time in partition order",
          arguments: zip([1, 4, 16], [[1, 2], [1, 2, 4], [3, 4, 16]]))
    func readersKeepThePartitionOrder(partitions: Int, readerCounts: [Int]) throws {
        // 16 partitions of 120 users: some hold few users, whose reads end early.
        let fixture = try Fixture(seed: 17, users: 120, invalidRate: 0.02, partitions: partitions)
        let expected = try Self.sequentialReplay(try fixture.readAll("events"), partitions: partitions)
        #expect(expected.values.allSatisfy { !$0.isEmpty })
        for readers in readerCounts {
            let directory = Self.temporaryDirectory()
            let summary = try fixture.replay(.directory(directory), readers: readers)
            #expect(summary.replay.linesRead == UInt64(fixture.events.count))
            for file in JSONLReplayTests.outputFiles {
                let bytes = try JSONLReplayTests.contents(directory, file)
                #expect(bytes == expected[file], "\(file) differs with \(readers) readers of \(partitions) partitions")
            }
            // The partitions' own files are appended and gone.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == JSONLReplayTests.outputFiles.sorted())
        }
        if partitions == 1 {
            // With one partition, the order of the topic is the order of the lines: the file
            // replay writes the same bytes (dead letters aside, whose source differs).
            let file = try fixture.fileReplay()
            for name in JSONLReplayTests.outputFiles where name != "dlq.jsonl" {
                #expect(try JSONLReplayTests.contents(file.directory, name) == expected[name], "\(name)")
            }
        }
    }

    @Test("Each user's records equal the file replay's of the lines the topic was produced from")
    func equalsFileReplay() throws {
        let fixture = try Fixture(seed: 9)
        let directory = Self.temporaryDirectory()
        let topic = try fixture.replay(.directory(directory)).replay
        let file = try fixture.fileReplay()
        for name in Self.recordFiles {
            let replayed = try JSONLReplayTests.recordsByUser(directory, name)
            #expect(!replayed.isEmpty, "\(name) is empty")
            #expect(replayed == (try JSONLReplayTests.recordsByUser(file.directory, name)), "\(name)")
        }
        // Daily aggregates: the same records, in the same partition and date order.
        let metrics = try Self.lines(directory, "metrics.jsonl")
        #expect(!metrics.isEmpty)
        #expect(metrics == (try Self.lines(file.directory, "metrics.jsonl")))
        #expect(topic.counters.applied == file.summary.counters.applied)
        #expect(topic.counters.duplicates == file.summary.counters.duplicates)
        #expect(topic.counters.deadLetters == file.summary.counters.deadLetters)
        #expect(topic.users == file.summary.users && topic.asOf == file.summary.asOf)
    }

    @Test("A replay to prefixed topics writes each record to its input partition, with its identity; on noida-db into topics it creates, where retention keeps every output of months-old events",
          arguments: [false, true])
    func replayToTopics(onNoida: Bool) throws {
        let names = TopicNames().withOutputPrefix("backfill.")
        // More output partitions than input ones are allowed; the extra ones stay empty. On
        // noida-db the replay creates the topics itself, with the settings of their role.
        let outputs = onNoida ? [:] : [names.profiles: 4, names.sessions: 4, names.alerts: 6, names.metrics: 4, names.dlq: 4]
        let fixture = try Fixture(seed: 3, invalidRate: 0.03, outputTopics: outputs, onNoida: onNoida)
        let summary = try fixture.replay(.topics(prefix: "backfill.")).replay
        let directory = Self.temporaryDirectory()
        _ = try fixture.replay(.directory(directory))
        if let noida = fixture.noida {
            let described = try KafkaAdmin(configuration: noida.kafka).describeTopicConfigs(names.outputs)
            for role in TopicRole.outputs {
                let configs = described[names.name(of: role)!]?.compactMapValues(\.value) ?? [:]
                #expect(configs.merging(TopicConfigPolicy.defaults(for: role)) { $1 } == configs, "\(role)")
            }
            // The outputs are stamped with event times of months ago; noida-db's retention
            // (checked about every half second) has had its chance to delete them.
            Thread.sleep(forTimeInterval: 2)
        }

        let counts = [names.profiles: summary.profiles, names.sessions: summary.sessions, names.alerts: summary.alerts,
                      names.dlq: summary.deadLetters]
        for (topic, file) in zip([names.profiles, names.sessions, names.alerts, names.dlq], JSONLReplayTests.outputFiles) {
            let messages = try fixture.readAll(topic)
            let expected = try Self.lines(directory, file)
            #expect(messages.count == expected.count && messages.count == counts[topic], "\(topic)")
            #expect(!messages.isEmpty, "\(topic) is empty")
            var byUser: [String: [String]] = [:]
            var contentByIdentity: [UInt64: [[UInt8]?]] = [:]
            var misplaced: [String] = []
            for message in messages {
                let place = "\(topic)/\(message.partition)/\(message.offset)"
                let content: [[UInt8]?] = [message.key, message.value, message.headers.first { $0.name == "revisit.source" }?.value]
                let identity = WrittenOutputs.identity(of: message)
                if contentByIdentity[identity] == nil { contentByIdentity[identity] = content }
                if topic == names.dlq {
                    // A dead letter's input partition is in its source header.
                    let source = message.headers.first { $0.name == "revisit.source" }?.value.map { String(decoding: $0, as: UTF8.self) }
                    if source?.hasPrefix("events/\(message.partition)/") != true { misplaced.append("\(place) from \(source ?? "?")") }
                } else {
                    // A user's input partition is the murmur2 partition of the key the events were produced with.
                    let user = String(decoding: try #require(message.key), as: UTF8.self)
                    if Int(message.partition) != KafkaPartitioner.partition(of: user, count: Self.partitions) {
                        misplaced.append("\(place) of \(user)")
                    }
                    byUser[user, default: []].append(String(decoding: message.value, as: UTF8.self))
                }
            }
            // Records share an identity only when a consumer cannot tell them apart (key, value
            // and source alike): a restore counts those.
            let clashes = try messages.filter { message in
                let content: [[UInt8]?] = [message.key, message.value, message.headers.first { $0.name == "revisit.source" }?.value]
                return try #require(contentByIdentity[WrittenOutputs.identity(of: message)]) != content
            }
            #expect(clashes.isEmpty, "\(clashes.count) records share an identity with different content")
            #expect(misplaced.isEmpty, "\(misplaced.count) records not in their input partition, e.g. \(misplaced.prefix(3))")
            if topic != names.dlq {
                #expect(byUser == (try JSONLReplayTests.recordsByUser(directory, file)), "\(topic) differs from \(file)")
            }
        }
        // Daily aggregates: partition p of the metrics topic holds the file's records of p, keyed by date.
        let metrics = try fixture.readAll(names.metrics)
        #expect(metrics.count == summary.metrics && !metrics.isEmpty)
        var byPartition: [Int: [String]] = [:]
        for message in metrics {
            let record = try DailyMetricsReader().record(Data(message.value), source: .message(
                topic: message.topic, partition: Int(message.partition), offset: message.offset))
            #expect(record.partition == Int(message.partition))
            #expect(message.key == Array(EventTime.formatDate(record.date).utf8))
            byPartition[Int(message.partition), default: []].append(String(decoding: message.value, as: UTF8.self))
        }
        let expectedMetrics = Dictionary(grouping: try Self.lines(directory, "metrics.jsonl").map(String.init)) { line in
            (try? DailyMetricsReader().record(Data(line.utf8), source: .line(file: "metrics.jsonl", number: 0)))?.partition ?? -1
        }
        #expect(byPartition == expectedMetrics)
    }

    @Test("--from and --to choose messages by their Kafka timestamps; on noida-db through real offsets-for-times",
          arguments: [false, true])
    func timeRange(onNoida: Bool) throws {
        let fixture = try Fixture(seed: 13, stamped: true, onNoida: onNoida)
        let events = fixture.events
        let from = events[events.count / 3].ts
        let to = events[2 * events.count / 3].ts
        let directory = Self.temporaryDirectory()
        let summary = try fixture.replay(.directory(directory), start: .timestamp(from), to: to)

        let inRange = events.filter { $0.ts >= from && $0.ts <= to }
        #expect(summary.replay.linesRead == UInt64(inRange.count))
        // The mock cluster answers offsets-for-times with -1: the replay reads from the start and
        // passes over what is stamped before --from. noida-db answers: nothing is passed over.
        #expect(summary.skippedBeforeFrom == (onNoida ? 0 : UInt64(events.filter { $0.ts < from }.count)))
        #expect(summary.partitions.allSatisfy { ($0.firstProcessed ?? 0) > 0 && $0.stoppedAtTo })
        // The range is the file replay of just those lines.
        let file = try fixture.fileReplay(inRange.map(\.line))
        for name in Self.recordFiles {
            #expect(try JSONLReplayTests.recordsByUser(directory, name) == (try JSONLReplayTests.recordsByUser(file.directory, name)), "\(name)")
        }
    }

    @Test("Invalid messages become dead letters with their reason and source")
    func deadLetters() throws {
        let garbage = ["not json", #"{"event_id":"x-1","user_id":"u1","type":"click"}"#, "[1,2]"]
        let fixture = try Fixture(seed: 21, invalidRate: 0.05, extraLines: garbage)
        let directory = Self.temporaryDirectory()
        let summary = try fixture.replay(.directory(directory)).replay
        let deadLetters = try Self.lines(directory, "dlq.jsonl")
        #expect(UInt64(deadLetters.count) == summary.counters.deadLettersTotal)
        #expect(summary.counters.received == summary.counters.applied + summary.counters.duplicates + summary.counters.deadLettersTotal)
        var reasons: Set<String> = []
        for line in deadLetters {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            reasons.insert(try #require(object["error"] as? String))
            let source = try #require(object["source"] as? String)
            #expect(source.range(of: #"^events/[0-3]/\d+$"#, options: .regularExpression) != nil, "\(source)")
        }
        #expect(reasons.isSuperset(of: ["not_json", "not_object", "missing_field", "wrong_type"]))
    }

    @Test("An --as-of before the input, an empty range and a missing topic are refused")
    func refusals() throws {
        let fixture = try Fixture(seed: 2)
        let directory = Self.temporaryDirectory()
        let asOf = fixture.events[10].ts
        #expect {
            try fixture.replay(.directory(directory), asOf: asOf)
        } throws: { error in
            guard case .asOfBeforeInput(let given, _)? = error as? ReplayError else { return false }
            return given == asOf
        }
        #expect {
            try fixture.replay(.directory(directory), start: .timestamp(2_000), to: 1_000)
        } throws: { ($0 as? ReplayError).map { if case .emptyRange = $0 { true } else { false } } ?? false }

        var replay = TopicReplay(topics: TopicNames(), kafka: fixture.kafka, rules: RetentionRules(), start: .earliest,
                                 destination: .directory(directory))
        replay.topics.input = "no-such-topic"
        #expect {
            try replay.run()
        } throws: { error in
            guard case .topics(.inputMissing(let topic))? = error as? ReplayError else { return false }
            return topic == "no-such-topic"
        }
    }
}
