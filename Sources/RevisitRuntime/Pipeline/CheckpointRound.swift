import Foundation

/// Which tasks a round of periodic checkpoints takes.
///
/// Each task is checkpointed every `checkpoint_interval`; a round (every
/// ``interval`` at most, the one before settled) takes the tasks due, so that serializing
/// their changed users on the processing thread comes in pieces of at most
/// ``PipelineRunnerConfiguration/checkpointUserBudget`` users rather than all at once.
enum CheckpointRound {
    /// How often a round looks for tasks due, at most.
    static let interval: TimeInterval = 0.05

    /// The tasks whose `checkpointInterval` passed since their last round, the
    /// longest-waiting first, as many as fit in `budget` changed users (the first always);
    /// each taken is marked as checkpointed `now`. Revocations and stops checkpoint every task
    /// they let go instead, whatever their size.
    static func tasks(
        from tasks: some Sequence<PartitionTask>, now: Date, checkpointInterval: TimeInterval, budget: Int
    ) -> [PartitionTask] {
        let due = tasks.filter { now.timeIntervalSince($0.lastPeriodicCheckpointAt) >= checkpointInterval }
            .sorted { ($0.lastPeriodicCheckpointAt, $0.partition) < ($1.lastPeriodicCheckpointAt, $1.partition) }
        var chosen: [PartitionTask] = []
        var users = 0
        for task in due {
            let changed = task.changedUserCount
            // A smaller task after one that did not fit may still fit: its offsets move on.
            if !chosen.isEmpty, users + changed > budget { continue }
            chosen.append(task)
            users += changed
            task.lastPeriodicCheckpointAt = now
        }
        return chosen
    }
}
