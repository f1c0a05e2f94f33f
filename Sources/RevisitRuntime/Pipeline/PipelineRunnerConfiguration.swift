import Foundation
import Metrics
import RevisitCore
import RevisitKafka

/// How `revisit run` runs a pipeline: the pipeline file's settings, the cluster, and what
/// the operator chose on the command line.
public struct PipelineRunnerConfiguration: Sendable {
    /// The pipeline file's settings (application id, topics, rules, intervals).
    public var pipeline: PipelineConfiguration
    /// The cluster; the pipeline file's `kafka.*` properties belong in its `properties`.
    public var kafka: KafkaConfiguration
    /// The partition count to create the input topic with when it is missing; nil: a missing
    /// input topic is an error.
    public var inputPartitionsIfMissing: Int?
    /// A file that exists exactly while every assigned partition is restored and processing
    /// (for readiness probes); it lists the partitions.
    public var readyFile: String?
    /// Stop once every assigned partition has no lag (a catch-up run, or a benchmark).
    public var exitWhenCaughtUp = false
    /// How long a graceful stop waits for the cluster to acknowledge the last checkpoint.
    /// Leaving the group and ending the writer take a few seconds more at most, so that the
    /// whole stop stays within 30 s.
    public var shutdownTimeout: TimeInterval = 20
    /// Changed users a round of periodic checkpoints writes at most, beyond its first
    /// task's. Each task is checkpointed every `checkpoint_interval`; a round (every 50 ms,
    /// the last one settled) takes the tasks due, the longest-waiting first, as many as fit,
    /// and the others go in the next rounds. Their state records are serialized at once on the
    /// processing thread (about 1.5 µs a user here) and held until written: the budget bounds
    /// that pause, which delays every event behind it, and that memory.
    public var checkpointUserBudget = 5_000
    /// `session.timeout.ms` of the group membership: how soon a crashed process's partitions move.
    public var sessionTimeoutMilliseconds = 10_000
    /// Where the process's metrics go (``PipelineMetrics``); nil: none are kept.
    public var metricsFactory: (any MetricsFactory)?
    /// How often the runner publishes its figures to ``metricsFactory``: a scrape sees them
    /// at most this old. Publishing reads a few counters per partition, never per message.
    public var metricsInterval: TimeInterval = 1
    /// Told each time the processing loop goes round and whether the process is ready (the
    /// condition of ``readyFile``); nil: nobody asks.
    public var health: (any PipelineHealthReporting)?
    /// How long a restore may take before the health reporter counts the loop as stalled:
    /// a restore is one step of the loop, as long as its state partition needs.
    public var restoreAllowance: Duration = .seconds(600)

    public init(pipeline: PipelineConfiguration, kafka: KafkaConfiguration) {
        self.pipeline = pipeline
        self.kafka = kafka
    }

    /// `<application id>.state`.
    public var stateTopic: String { PipelineTopics.stateTopic(applicationID: pipeline.applicationID) }
}
