import Collections
import RevisitCore
import RevisitKafka

extension OutputWriter {
    /// The writer's decisions, apart from any I/O: where the writes of every task stand, when
    /// a checkpoint's record may go out, and which checkpoints are durable.
    ///
    /// The writer thread tells it what it sent and which delivery reports arrived; it answers
    /// with the ``Action``s to take, in order. A send it asks for counts as sent once asked:
    /// a send that fails stops the writer.
    ///
    /// Delivery reports of one partition arrive in the order its messages were sent (the
    /// producer is idempotent), so counting them per task and topic tells which report is the
    /// last one before a checkpoint, and so the output end offsets the checkpoint records.
    struct StateMachine {
        /// What the writer does next.
        enum Action: Equatable {
            /// Send a checkpoint's state records (changed users, or a snapshot's chunks).
            case sendStateRecords(partition: Int32, [StateRecord])
            /// Send the checkpoint record: every output before it is acknowledged.
            case sendCheckpoint(partition: Int32, Checkpoint)
            /// A checkpoint of `ticket` became durable: its record was acknowledged.
            case durable(Ticket, partition: Int32, Checkpoint)
            /// Every checkpoint of `ticket` is durable or cannot become so.
            case finished(Ticket)
            /// A message of the task of `partition` was not delivered: none of its
            /// checkpoints becomes durable, and the task must start over.
            case deliveryFailed(partition: Int32, DeliveryReport)
        }

        /// The output topics in ``TopicRole/outputs`` order.
        let outputTopics: [String]
        let stateTopic: String
        private var tasks: [Int32: TaskWrites] = [:]
        /// Partitions of each checkpoint ticket not yet durable or failed.
        private var ticketsOpen: [Ticket: Int] = [:]

        init(outputTopics: [String], stateTopic: String) {
            self.outputTopics = outputTopics
            self.stateTopic = stateTopic
        }

        /// Whether a checkpoint handed over is not yet durable or failed.
        var hasPendingCheckpoints: Bool { tasks.values.contains { !$0.checkpoints.isEmpty } }

        // MARK: - Events

        /// A task took `partition`: its outputs start at `outputEnds`, and the outputs in
        /// `written` are not written again. Reports of messages with ids below
        /// `firstMessageID` belong to a former owner in this process and are ignored; its
        /// checkpoints still waiting can no longer become durable.
        mutating func taskStarted(
            partition: Int32, firstMessageID: UInt64, outputEnds: [String: Int64], written: WrittenOutputs
        ) -> [Action] {
            var actions: [Action] = []
            if let former = tasks[partition] {
                for pending in former.checkpoints { resolve(pending, partition: partition, durable: false, into: &actions) }
            }
            tasks[partition] = TaskWrites(
                firstMessageID: firstMessageID, ends: outputTopics.map { outputEnds[$0] ?? -1 }, written: written)
            return actions
        }

        /// The outputs the task of `partition` must not write again, swapped with `written`:
        /// the writer takes them out to encode a batch of records, then puts them back.
        mutating func swapWritten(of partition: Int32, with written: inout WrittenOutputs, firstMessageID: UInt64) {
            swap(&written, &task(partition, firstMessageID: firstMessageID).written)
        }

        /// The writer queued `counts[role.ordinal]` outputs of the task of `partition` per
        /// output topic.
        mutating func outputsSent(partition: Int32, counts: [Int], firstMessageID: UInt64) {
            let task = task(partition, firstMessageID: firstMessageID)
            for (ordinal, count) in counts.enumerated() { task.sent[ordinal] += count }
        }

        /// Checkpoints handed over under `ticket`, after everything handed over before them.
        mutating func checkpointsRequested(_ requests: [CheckpointRequest], ticket: Ticket, firstMessageID: UInt64) -> [Action] {
            var actions: [Action] = []
            guard !requests.isEmpty else { return [.finished(ticket)] }
            ticketsOpen[ticket] = requests.count
            for request in requests {
                let p = request.partition
                let task = task(p, firstMessageID: firstMessageID)
                let targets = Array(task.sent[TopicRole.outputs.indices])
                var pending = PendingCheckpoint(
                    ticket: ticket, checkpoint: request.checkpoint, fillsOutputEnds: request.fillsOutputEnds,
                    outputTargets: targets,
                    // Outputs already acknowledged have their end now; the others when their reports come.
                    capturedEnds: targets.indices.map { task.reported[$0] >= targets[$0] ? task.ends[$0] : nil })
                guard !task.failed else {
                    resolve(pending, partition: p, durable: false, into: &actions)
                    continue
                }
                if !request.records.isEmpty {
                    actions.append(.sendStateRecords(partition: p, request.records))
                    task.sent[TopicRole.state.ordinal] += request.records.count
                }
                pending.recordTarget = nil
                task.checkpoints.append(pending)
            }
            advance(into: &actions)
            return actions
        }

        /// Delivery reports arrived, in the order the producer gave them.
        mutating func reportsArrived(_ reports: [DeliveryReport]) -> [Action] {
            var actions: [Action] = []
            if !reports.isEmpty { count(reports, into: &actions) }
            advance(into: &actions)
            return actions
        }

        // MARK: - Decisions

        /// Asks for the checkpoint records whose outputs are all acknowledged, and resolves
        /// the checkpoints whose record is.
        private mutating func advance(into actions: inout [Action]) {
            let state = TopicRole.state.ordinal
            for (p, task) in tasks where !task.checkpoints.isEmpty {
                for index in task.checkpoints.indices where !task.failed && task.checkpoints[index].recordTarget == nil {
                    let pending = task.checkpoints[index]
                    guard !pending.capturedEnds.contains(where: { $0 == nil }) else { break }
                    var checkpoint = pending.checkpoint
                    if pending.fillsOutputEnds {
                        checkpoint.outputEnds = [:]
                        for (ordinal, end) in pending.capturedEnds.enumerated() where end! >= 0 {
                            checkpoint.outputEnds[outputTopics[ordinal]] = end!
                        }
                    }
                    actions.append(.sendCheckpoint(partition: p, checkpoint))
                    task.sent[state] += 1
                    task.checkpoints[index].checkpoint = checkpoint
                    task.checkpoints[index].recordTarget = task.sent[state]
                }
                while let first = task.checkpoints.first,
                      task.failed || first.recordTarget.map({ task.reported[state] >= $0 }) == true {
                    task.checkpoints.removeFirst()
                    resolve(first, partition: p, durable: !task.failed, into: &actions)
                }
            }
        }

        /// Counts the reports per task and topic, capturing the end offsets checkpoints wait for.
        private mutating func count(_ reports: [DeliveryReport], into actions: inout [Action]) {
            // Reports come in runs of one partition and topic (a batch's messages): task, topic
            // and the checkpoints waiting on them are looked up once per run.
            reports.withUnsafeBufferPointer { reports in
                var start = 0
                while start < reports.count {
                    let first = reports[start].topicPartition
                    var end = start + 1
                    while end < reports.count, reports[end].topicPartition.partition == first.partition,
                          reports[end].topicPartition.topic == first.topic {
                        end += 1
                    }
                    if let task = tasks[first.partition], let role = role(of: first.topic) {
                        count(UnsafeBufferPointer(rebasing: reports[start..<end]), of: task, role: role, into: &actions)
                    }
                    start = end
                }
            }
        }

        /// Counts one run of reports of `task`'s `role` topic; for an output topic, keeps the
        /// end offset and gives it to the checkpoints whose last message before them is in the run.
        private func count(
            _ run: UnsafeBufferPointer<DeliveryReport>, of task: TaskWrites, role: TopicRole, into actions: inout [Action]
        ) {
            let slot = role.ordinal
            let capturesEnds = role != .state
            var reported = task.reported[slot]
            var end = capturesEnds ? task.ends[slot] : -1
            // Checkpoints are queued in sending order, so their targets never decrease.
            var waiting: [(index: Int, target: Int)] = []
            if capturesEnds {
                for index in task.checkpoints.indices {
                    let target = task.checkpoints[index].outputTargets[slot]
                    if target > reported, target <= reported + run.count { waiting.append((index, target)) }
                }
            }
            var next = 0
            for report in run where report.messageID >= task.firstMessageID {
                reported += 1
                if !report.isDelivered {
                    task.failed = true
                    actions.append(.deliveryFailed(partition: report.topicPartition.partition, report))
                } else if capturesEnds {
                    end = report.offset + 1
                    // A target passed by a failed report stays unset: its task failed anyway.
                    while next < waiting.count, waiting[next].target <= reported {
                        if waiting[next].target == reported { task.checkpoints[waiting[next].index].capturedEnds[slot] = end }
                        next += 1
                    }
                }
            }
            task.reported[slot] = reported
            if capturesEnds { task.ends[slot] = end }
        }

        /// A checkpoint became durable, or cannot (its task failed or was replaced).
        private mutating func resolve(_ pending: PendingCheckpoint, partition: Int32, durable: Bool, into actions: inout [Action]) {
            let ticket = pending.ticket
            guard let open = ticketsOpen[ticket] else { return }
            if durable { actions.append(.durable(ticket, partition: partition, pending.checkpoint)) }
            if open <= 1 {
                ticketsOpen[ticket] = nil
                actions.append(.finished(ticket))
            } else {
                ticketsOpen[ticket] = open - 1
            }
        }

        /// The writes of the task of `partition`, created when it has none yet.
        private mutating func task(_ partition: Int32, firstMessageID: UInt64) -> TaskWrites {
            if let task = tasks[partition] { return task }
            let task = TaskWrites(firstMessageID: firstMessageID, ends: outputTopics.map { _ in -1 }, written: WrittenOutputs())
            tasks[partition] = task
            return task
        }

        private func role(of topic: String) -> TopicRole? {
            if let index = outputTopics.firstIndex(of: topic) { return TopicRole.outputs[index] }
            return topic == stateTopic ? .state : nil
        }
    }

    /// Where the writes of one task stand, per topic it writes (indexed by
    /// ``TopicRole/ordinal``). A class: the hot path updates it in place in the dictionary.
    final class TaskWrites {
        /// Messages with a smaller id were sent for an earlier owner of the partition in this
        /// process; their reports are ignored.
        let firstMessageID: UInt64
        var sent = Array(repeating: 0, count: TopicRole.allCases.count)
        var reported = Array(repeating: 0, count: TopicRole.allCases.count)
        /// Per output topic, the offset after the last message reported; -1 while unknown.
        var ends: [Int64]
        /// Outputs found already written after the task's checkpoint, not to write again.
        var written: WrittenOutputs
        /// A message of the task was not delivered: none of its checkpoints becomes durable.
        var failed = false
        /// Checkpoints handed over and not yet durable, oldest first.
        var checkpoints = Deque<PendingCheckpoint>()

        init(firstMessageID: UInt64, ends: [Int64], written: WrittenOutputs) {
            self.firstMessageID = firstMessageID
            self.ends = ends
            self.written = written
        }
    }

    /// A checkpoint handed over and not yet durable.
    struct PendingCheckpoint {
        var ticket: Ticket
        var checkpoint: Checkpoint
        var fillsOutputEnds: Bool
        /// Per output topic, how many messages were sent before the checkpoint.
        var outputTargets: [Int]
        /// Per output topic, the end offset once the report of the last message before the
        /// checkpoint arrived.
        var capturedEnds: [Int64?]
        /// Once the checkpoint record is sent: the state-topic count that includes it.
        var recordTarget: Int? = nil
    }
}
