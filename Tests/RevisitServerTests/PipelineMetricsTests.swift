import Prometheus
import RevisitCore
import RevisitRuntime
import RevisitServer
import Testing

/// ``PipelineMetrics`` into the Prometheus registry `revisit run --http` serves: samples
/// become counters that grow by what grew, gauges that follow, and series that come and go
/// with the partitions.
@Suite("Pipeline metrics: samples to Prometheus series")
struct PipelineMetricsTests {
    static let topics = ["revisit.profiles", "revisit.sessions", "revisit.alerts", "revisit.metrics", "revisit.dlq"]

    @Test("Every series of the process exists from the start at zero, with a help line and Prometheus names")
    func seriesFromTheStart() {
        let observability = ProcessObservability()
        _ = PipelineMetrics(factory: observability.metricsFactory, outputTopics: Self.topics)
        let text = observability.registry.emitToString()
        let series = Exposition(text)
        #expect(series["revisit_input_messages_total"] == 0)
        #expect(series[#"revisit_input_records_total{outcome="applied"}"#] == 0)
        #expect(series[#"revisit_input_records_total{outcome="duplicate"}"#] == 0)
        for reason in DeadLetterReason.allCases {
            #expect(series[#"revisit_input_records_total{outcome="dead_letter",reason="\#(reason.rawValue)"}"#] == 0)
        }
        for topic in Self.topics { #expect(series[#"revisit_outputs_total{topic="\#(topic)"}"#] == 0) }
        for change in ["assigned", "revoked", "lost"] { #expect(series[#"revisit_rebalances_total{change="\#(change)"}"#] == 0) }
        #expect(series["revisit_checkpoint_duration_seconds_count"] == 0)
        #expect(series["revisit_partitions_assigned"] == 0)
        for name in series.names {
            #expect(name.hasPrefix("revisit_"), "\(name)")
        }
        // Counters end in _total, and every family has its help line.
        for (name, type) in series.types {
            if type == "counter" { #expect(name.hasSuffix("_total"), "\(name)") }
            #expect(text.contains("# HELP \(name) "), "no help line for \(name)")
        }
        #expect(series.types["revisit_checkpoint_duration_seconds"] == "histogram")
    }

    @Test("Input outcomes add up the deltas of every task's samples; process totals count what grew")
    func countersFollowTheSamples() {
        let observability = ProcessObservability()
        let metrics = PipelineMetrics(factory: observability.metricsFactory, outputTopics: Self.topics)
        var counted = ProcessorCounters()
        counted.received = 10
        counted.applied = 6
        counted.duplicates = 1
        counted.deadLetters = [.notJSON: 2, .tooLate: 1]
        metrics.publish(PartitionMetricsSample(partition: 0, counted: counted), wallClock: 0)
        metrics.publish(PartitionMetricsSample(partition: 3, counted: counted), wallClock: 0)
        let transport = ClientErrorKind(client: .producer, code: "_TRANSPORT")
        let allDown = ClientErrorKind(client: .consumer, code: "_ALL_BROKERS_DOWN")
        metrics.publish(ProcessMetricsSample(
            outputsByTopic: ["revisit.profiles": 5, "revisit.dlq": 3], outputsAlreadyWritten: 2, checkpoints: 4,
            backpressurePauses: 1, resets: 0, partitionsAssigned: 2, outputQueue: 17, clientErrors: [transport: 3]))
        metrics.publish(ProcessMetricsSample(
            outputsByTopic: ["revisit.profiles": 8, "revisit.dlq": 3], outputsAlreadyWritten: 2, checkpoints: 6,
            backpressurePauses: 1, resets: 1, partitionsAssigned: 2, outputQueue: 0, clientErrors: [transport: 5, allDown: 1]))
        let series = Exposition(observability.registry.emitToString())
        #expect(series["revisit_input_messages_total"] == 20)
        #expect(series[#"revisit_input_records_total{outcome="applied"}"#] == 12)
        #expect(series[#"revisit_input_records_total{outcome="duplicate"}"#] == 2)
        #expect(series[#"revisit_input_records_total{outcome="dead_letter",reason="not_json"}"#] == 4)
        #expect(series[#"revisit_input_records_total{outcome="dead_letter",reason="too_late"}"#] == 2)
        #expect(series[#"revisit_input_records_total{outcome="dead_letter",reason="bad_tz"}"#] == 0)
        // Totals, not increments: the second sample adds what grew since the first.
        #expect(series[#"revisit_outputs_total{topic="revisit.profiles"}"#] == 8)
        #expect(series[#"revisit_outputs_total{topic="revisit.dlq"}"#] == 3)
        #expect(series[#"revisit_outputs_total{topic="revisit.alerts"}"#] == 0)
        #expect(series["revisit_outputs_already_written_total"] == 2)
        #expect(series["revisit_checkpoints_total"] == 6)
        #expect(series["revisit_backpressure_pauses_total"] == 1)
        #expect(series["revisit_resets_total"] == 1)
        #expect(series["revisit_partitions_assigned"] == 2)
        #expect(series["revisit_output_queue_records"] == 0)
        #expect(series[#"revisit_kafka_client_errors_total{client="producer",code="_TRANSPORT"}"#] == 5)
        #expect(series[#"revisit_kafka_client_errors_total{client="consumer",code="_ALL_BROKERS_DOWN"}"#] == 1)
    }

    @Test("Partition gauges follow the latest sample; lag and watermark appear once known; a released partition's series go")
    func partitionGauges() {
        let observability = ProcessObservability()
        let metrics = PipelineMetrics(factory: observability.metricsFactory, outputTopics: Self.topics)
        metrics.publish(PartitionMetricsSample(partition: 2, users: 40, openSessions: 5, bufferedEvents: 9), wallClock: 0)
        var series = Exposition(observability.registry.emitToString())
        #expect(series[#"revisit_state_users{partition="2"}"#] == 40)
        #expect(series[#"revisit_open_sessions{partition="2"}"#] == 5)
        #expect(series[#"revisit_reorder_buffer_events{partition="2"}"#] == 9)
        #expect(series[#"revisit_consumer_lag_messages{partition="2"}"#] == nil)
        #expect(series[#"revisit_watermark_seconds{partition="2"}"#] == nil)

        metrics.publish(
            PartitionMetricsSample(partition: 2, users: 41, openSessions: 4, bufferedEvents: 0, watermark: 1_700_000_000_000, lag: 12),
            wallClock: 1_700_000_090_500)
        metrics.publish(PartitionMetricsSample(partition: 5, users: 1), wallClock: 0)
        series = Exposition(observability.registry.emitToString())
        #expect(series[#"revisit_state_users{partition="2"}"#] == 41)
        #expect(series[#"revisit_consumer_lag_messages{partition="2"}"#] == 12)
        #expect(series[#"revisit_watermark_seconds{partition="2"}"#] == 1_700_000_000)
        #expect(series[#"revisit_watermark_delay_seconds{partition="2"}"#] == 90.5)
        #expect(metrics.publishedPartitions == [2, 5])

        metrics.removePartition(2)
        series = Exposition(observability.registry.emitToString())
        #expect(series.names.filter { $0.contains(#"partition="2""#) }.isEmpty)
        #expect(series[#"revisit_state_users{partition="5"}"#] == 1)
        // Taken again later, it gets its series back.
        metrics.publish(PartitionMetricsSample(partition: 2, users: 3), wallClock: 0)
        #expect(Exposition(observability.registry.emitToString())[#"revisit_state_users{partition="2"}"#] == 3)
    }

    @Test("Rebalances, restores and checkpoint durations are counted as they happen")
    func events() {
        let observability = ProcessObservability()
        let metrics = PipelineMetrics(factory: observability.metricsFactory, outputTopics: Self.topics)
        metrics.rebalanced(.assigned)
        metrics.rebalanced(.assigned)
        metrics.rebalanced(.lost)
        metrics.restoring(partitions: 4)
        #expect(Exposition(observability.registry.emitToString())["revisit_partitions_restoring"] == 4)
        metrics.restored(partitions: 4, users: 1_234, seconds: 0.75)
        metrics.checkpointCompleted(seconds: 0.02)
        metrics.checkpointCompleted(seconds: 3)
        let series = Exposition(observability.registry.emitToString())
        #expect(series[#"revisit_rebalances_total{change="assigned"}"#] == 2)
        #expect(series[#"revisit_rebalances_total{change="revoked"}"#] == 0)
        #expect(series[#"revisit_rebalances_total{change="lost"}"#] == 1)
        #expect(series["revisit_partitions_restoring"] == 0)
        #expect(series["revisit_restored_partitions_total"] == 4)
        #expect(series["revisit_restored_users_total"] == 1_234)
        #expect(series["revisit_restore_seconds_total"] == 0.75)
        #expect(series["revisit_checkpoint_duration_seconds_count"] == 2)
        #expect(abs((series["revisit_checkpoint_duration_seconds_sum"] ?? 0) - 3.02) < 1e-6)
        #expect(series[#"revisit_checkpoint_duration_seconds_bucket{le="0.025"}"#] == 1)
        #expect(series[#"revisit_checkpoint_duration_seconds_bucket{le="+Inf"}"#] == 2)
    }
}

/// The samples of a Prometheus text exposition by series (`name{labels}` as written), and
/// the type of each family: enough to check values; the CLI tests parse with
/// prometheus_client's parser.
struct Exposition {
    private var values: [String: Double] = [:]
    private(set) var types: [String: String] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count == 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " ") else { continue }
            let value = line[line.index(after: space)...]
            values[String(line[..<space])] = value == "+Inf" ? .infinity : Double(value)
        }
    }

    subscript(series: String) -> Double? { values[series] }

    var names: [String] { values.keys.sorted() }
}
