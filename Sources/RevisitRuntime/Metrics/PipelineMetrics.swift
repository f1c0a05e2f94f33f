import Metrics
import RevisitCore

/// The metrics of one `revisit run` process, published through swift-metrics from what the
/// runner already counts (``ProcessorCounters``, ``PipelineRunSummary``, the writer's
/// output counts).
///
/// Nothing here is touched per message: the runner hands over a sample every
/// `metrics_interval` (and at rebalances), and the counters grow by what grew since the
/// previous sample. So `--http` costs the hot path nothing, and a scrape sees figures at
/// most one interval old.
///
/// Not `Sendable`: it lives on the runner's processing thread. The handlers it feeds are
/// the factory's (Prometheus's are read by `/metrics` from the HTTP server's threads).
public final class PipelineMetrics {
    /// How a rebalance changed the partitions of this process.
    public enum RebalanceChange: String, CaseIterable, Sendable {
        case assigned, revoked
        /// Revoked after the group gave them to another member (session timeout).
        case lost
    }

    private let factory: any MetricsFactory
    private let inputMessages: Counter
    private let applied: Counter
    private let duplicates: Counter
    private let deadLetters: [DeadLetterReason: Counter]
    private let outputs: [String: Counter]
    private let outputsAlreadyWritten: Counter
    private let checkpoints: Counter
    private let backpressurePauses: Counter
    private let resets: Counter
    private let rebalances: [RebalanceChange: Counter]
    private let restoredPartitions: Counter
    private let restoredUsers: Counter
    private let restoreSeconds: FloatingPointCounter
    private let partitionsAssigned: Gauge
    private let partitionsRestoring: Gauge
    private let outputQueue: Gauge
    private let checkpointDuration: CoreMetrics.Timer
    /// By client and code, created at the first error of each.
    private var clientErrors: [ClientErrorKind: Counter] = [:]
    private var partitions: [Int32: PartitionGauges] = [:]
    /// The totals of the previous process sample, which the counters already hold.
    private var previous = ProcessMetricsSample()

    /// Creates every series of the process with `factory`, at zero: a series that exists
    /// from the start lets `rate()` and `increase()` see its first increment.
    public init(factory: any MetricsFactory, outputTopics: [String]) {
        typealias Name = PipelineMetricName
        self.factory = factory
        func counter(_ name: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: name, dimensions: dimensions, factory: factory)
        }
        func gauge(_ name: String) -> Gauge {
            let gauge = Gauge(label: name, dimensions: [], factory: factory)
            gauge.record(0)
            return gauge
        }
        inputMessages = counter(Name.inputMessages)
        applied = counter(Name.inputRecords, [("outcome", "applied")])
        duplicates = counter(Name.inputRecords, [("outcome", "duplicate")])
        deadLetters = Dictionary(uniqueKeysWithValues: DeadLetterReason.allCases.map {
            ($0, counter(Name.inputRecords, [("outcome", "dead_letter"), ("reason", $0.rawValue)]))
        })
        outputs = Dictionary(outputTopics.map { ($0, counter(Name.outputs, [("topic", $0)])) }) { first, _ in first }
        outputsAlreadyWritten = counter(Name.outputsAlreadyWritten)
        checkpoints = counter(Name.checkpoints)
        backpressurePauses = counter(Name.backpressurePauses)
        resets = counter(Name.resets)
        rebalances = Dictionary(uniqueKeysWithValues: RebalanceChange.allCases.map {
            ($0, counter(Name.rebalances, [("change", $0.rawValue)]))
        })
        restoredPartitions = counter(Name.restoredPartitions)
        restoredUsers = counter(Name.restoredUsers)
        restoreSeconds = FloatingPointCounter(label: Name.restoreSeconds, dimensions: [], factory: factory)
        partitionsAssigned = gauge(Name.partitionsAssigned)
        partitionsRestoring = gauge(Name.partitionsRestoring)
        outputQueue = gauge(Name.outputQueue)
        checkpointDuration = CoreMetrics.Timer(label: Name.checkpointDuration, dimensions: [], factory: factory)
        // Prometheus counters start at zero when created; the others are explicit.
        restoreSeconds.increment(by: 0.0)
    }

    // MARK: - Periodic samples

    /// One task's sample: its outcomes since its previous sample, its state now.
    /// `wallClock` (epoch ms) is the instant the watermark delay is measured from.
    public func publish(_ sample: PartitionMetricsSample, wallClock: Int64) {
        let counted = sample.counted
        if !counted.isZero {
            inputMessages.increment(by: counted.received)
            applied.increment(by: counted.applied)
            duplicates.increment(by: counted.duplicates)
            for (reason, count) in counted.deadLetters { deadLetters[reason]?.increment(by: count) }
        }
        let gauges = partitions[sample.partition] ?? PartitionGauges(partition: sample.partition, factory: factory)
        partitions[sample.partition] = gauges
        gauges.users.record(sample.users)
        gauges.openSessions.record(sample.openSessions)
        gauges.reorderBuffer.record(sample.bufferedEvents)
        if let lag = sample.lag { gauges.lag.record(max(0, lag)) }
        if let watermark = sample.watermark {
            gauges.watermark.record(Double(watermark) / 1000)
            gauges.watermarkDelay.record(Double(wallClock - watermark) / 1000)
        }
    }

    /// The process's totals now; the counters grow by what grew since the previous sample.
    public func publish(_ sample: ProcessMetricsSample) {
        for (topic, total) in sample.outputsByTopic {
            outputs[topic]?.increment(by: grown(total, previous.outputsByTopic[topic] ?? 0))
        }
        outputsAlreadyWritten.increment(by: grown(sample.outputsAlreadyWritten, previous.outputsAlreadyWritten))
        checkpoints.increment(by: grown(sample.checkpoints, previous.checkpoints))
        backpressurePauses.increment(by: grown(sample.backpressurePauses, previous.backpressurePauses))
        resets.increment(by: grown(sample.resets, previous.resets))
        partitionsAssigned.record(sample.partitionsAssigned)
        outputQueue.record(sample.outputQueue)
        for (kind, total) in sample.clientErrors {
            let counter = clientErrors[kind] ?? Counter(
                label: PipelineMetricName.clientErrors, dimensions: [("client", kind.client.rawValue), ("code", kind.code)],
                factory: factory)
            clientErrors[kind] = counter
            counter.increment(by: grown(total, previous.clientErrors[kind] ?? 0))
        }
        previous = sample
    }

    /// The partition left this process: its series go (another process publishes them now).
    public func removePartition(_ partition: Int32) {
        partitions.removeValue(forKey: partition)?.destroy()
    }

    /// Partitions held now, with series of their own.
    public var publishedPartitions: [Int32] { partitions.keys.sorted() }

    // MARK: - Events

    public func rebalanced(_ change: RebalanceChange) {
        rebalances[change]?.increment()
    }

    /// `count` partitions start restoring (0: the restore is over).
    public func restoring(partitions count: Int) {
        partitionsRestoring.record(count)
    }

    /// A restore of `partitions` partitions together ended, with `users` users in `seconds`.
    public func restored(partitions count: Int, users: Int, seconds: Double) {
        restoredPartitions.increment(by: count)
        restoredUsers.increment(by: users)
        restoreSeconds.increment(by: max(0, seconds))
        partitionsRestoring.record(0)
    }

    /// A checkpoint became durable `seconds` after it was handed to the writer.
    public func checkpointCompleted(seconds: Double) {
        checkpointDuration.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    private func grown(_ total: Int, _ before: Int) -> Int { max(0, total - before) }
}

/// The series of one input partition. Lag and watermark appear once known: a gauge at 0
/// would claim no lag, or a watermark in 1970.
private final class PartitionGauges {
    private let dimensions: [(String, String)]
    private let factory: any MetricsFactory
    let users: Gauge
    let openSessions: Gauge
    let reorderBuffer: Gauge
    private var lagGauge: Gauge?
    private var watermarkGauge: Gauge?
    private var watermarkDelayGauge: Gauge?

    init(partition: Int32, factory: any MetricsFactory) {
        typealias Name = PipelineMetricName
        self.dimensions = [("partition", String(partition))]
        self.factory = factory
        users = Gauge(label: Name.users, dimensions: dimensions, factory: factory)
        openSessions = Gauge(label: Name.openSessions, dimensions: dimensions, factory: factory)
        reorderBuffer = Gauge(label: Name.reorderBuffer, dimensions: dimensions, factory: factory)
    }

    var lag: Gauge { made(&lagGauge, PipelineMetricName.consumerLag) }
    var watermark: Gauge { made(&watermarkGauge, PipelineMetricName.watermark) }
    var watermarkDelay: Gauge { made(&watermarkDelayGauge, PipelineMetricName.watermarkDelay) }

    private func made(_ gauge: inout Gauge?, _ name: String) -> Gauge {
        if let gauge { return gauge }
        let made = Gauge(label: name, dimensions: dimensions, factory: factory)
        gauge = made
        return made
    }

    func destroy() {
        for gauge in [users, openSessions, reorderBuffer, lagGauge, watermarkGauge, watermarkDelayGauge] { gauge?.destroy() }
    }
}
