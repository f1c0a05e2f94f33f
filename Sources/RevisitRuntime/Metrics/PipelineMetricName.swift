/// The names of the metrics a `revisit run` process publishes, with their help texts.
///
/// Prometheus conventions: the `revisit_` prefix, `_total` on counters, base units
/// (seconds). Counters count what this process did since it started; gauges are the state
/// now. A name belongs to one kind of metric and one set of label names for the life of the
/// process (a Prometheus registry refuses anything else).
public enum PipelineMetricName {
    // MARK: - Counters

    /// Input messages the tasks took in (label-free; what the outcomes below add up to, with
    /// the events still in the reorder buffer).
    public static let inputMessages = "revisit_input_messages_total"
    /// Input records by outcome: `outcome` = `applied`, `duplicate` or `dead_letter` (with `reason`).
    public static let inputRecords = "revisit_input_records_total"
    /// Output records written, by `topic`.
    public static let outputs = "revisit_outputs_total"
    /// Output records a former owner had written after its checkpoint, not written again.
    public static let outputsAlreadyWritten = "revisit_outputs_already_written_total"
    /// Checkpoints made durable.
    public static let checkpoints = "revisit_checkpoints_total"
    /// Times input was held because outputs queued up.
    public static let backpressurePauses = "revisit_backpressure_pauses_total"
    /// Tasks restarted from their last checkpoint after a failed delivery.
    public static let resets = "revisit_resets_total"
    /// Rebalances that changed this process's partitions, by `change` = `assigned`, `revoked` or `lost`.
    public static let rebalances = "revisit_rebalances_total"
    /// Partitions restored from the state topic.
    public static let restoredPartitions = "revisit_restored_partitions_total"
    /// Users restored from the state topic.
    public static let restoredUsers = "revisit_restored_users_total"
    /// Wall-clock seconds spent restoring (partitions restored together count once).
    public static let restoreSeconds = "revisit_restore_seconds_total"
    /// Errors the Kafka clients reported and recovered from, by `client` (`consumer` or
    /// `producer`) and librdkafka's `code` name.
    public static let clientErrors = "revisit_kafka_client_errors_total"

    // MARK: - Gauges of the process

    /// Input partitions this process holds.
    public static let partitionsAssigned = "revisit_partitions_assigned"
    /// Input partitions being restored now.
    public static let partitionsRestoring = "revisit_partitions_restoring"
    /// Output records handed to the writer and not yet taken by its producer (backpressure
    /// pauses input at 80% of the producer's queue).
    public static let outputQueue = "revisit_output_queue_records"

    // MARK: - Gauges per input partition (label `partition`)

    /// Messages from the partition's next offset to its high watermark.
    public static let consumerLag = "revisit_consumer_lag_messages"
    /// The partition's event-time watermark, Unix seconds.
    public static let watermark = "revisit_watermark_seconds"
    /// Wall clock minus the watermark, seconds.
    public static let watermarkDelay = "revisit_watermark_delay_seconds"
    /// Users in the partition's state.
    public static let users = "revisit_state_users"
    /// Sessions open in the partition.
    public static let openSessions = "revisit_open_sessions"
    /// Events waiting in the reorder buffer for the watermark.
    public static let reorderBuffer = "revisit_reorder_buffer_events"

    // MARK: - Histograms

    /// Seconds from handing a checkpoint to the writer until it is durable.
    public static let checkpointDuration = "revisit_checkpoint_duration_seconds"

    /// One line of help per metric, for the `# HELP` lines of a Prometheus exposition.
    public static let help: [String: String] = [
        inputMessages: "Input messages taken in by the tasks of this process.",
        inputRecords: "Input records by outcome: applied, duplicate, or dead_letter with its reason code.",
        outputs: "Output records written, by topic.",
        outputsAlreadyWritten: "Output records found already written by a former owner after its checkpoint, not written again.",
        checkpoints: "Checkpoints made durable.",
        backpressurePauses: "Times input was held because outputs queued up for the producer.",
        resets: "Tasks restarted from their last checkpoint after a failed delivery.",
        rebalances: "Rebalances that changed the partitions of this process, by change: assigned, revoked or lost.",
        restoredPartitions: "Partitions restored from the state topic.",
        restoredUsers: "Users restored from the state topic.",
        restoreSeconds: "Wall-clock seconds spent restoring partitions.",
        clientErrors: "Errors the Kafka clients reported and recovered from, by client and librdkafka error code.",
        partitionsAssigned: "Input partitions this process holds.",
        partitionsRestoring: "Input partitions being restored now.",
        outputQueue: "Output records handed to the writer and not yet taken by the producer.",
        consumerLag: "Input messages between the partition's next offset to process and its high watermark.",
        watermark: "The partition's event-time watermark, in Unix seconds.",
        watermarkDelay: "Wall-clock time minus the partition's watermark, in seconds.",
        users: "Users held in the partition's state.",
        openSessions: "Sessions open in the partition.",
        reorderBuffer: "Events waiting in the partition's reorder buffer for the watermark.",
        checkpointDuration: "Seconds from handing a checkpoint to the writer until it is durable.",
    ]
}
