import Foundation

extension PipelineRunner {
    /// The runner's decisions, apart from any I/O: what each round of its loop does, which
    /// periodic chores are due, and how a stop goes, given the time its clock tells.
    ///
    /// The runner asks ``nextRound(now:stopRequested:rereading:pendingOutputs:)`` what to do
    /// at the top of each round, and ``choresDue(now:received:)`` after handling a poll; it
    /// reports back what it did (``checkpointHandedOver(_:at:)``, ``checkpointSettled(at:)``).
    struct StateMachine {
        enum State: Equatable {
            /// Polling and processing input.
            case processing
            /// Input is held while the outputs handed to the writer drain (backpressure).
            case holdingInput
            /// A stop was requested while tasks re-read up to their checkpoint; they finish
            /// first, for a grace period, so that the last checkpoint covers them.
            case finishingReread(stopRequestedAt: Date)
            /// Writing the last checkpoints: every wait from here on ends by `deadline`.
            case stopping(deadline: Date)
        }

        /// What one round of the loop does.
        enum RoundAction: Equatable {
            /// Poll input, process it, and do the chores due.
            case pollInput
            /// Hold input: wait briefly for the outputs queued for the writer to drain to `atMost`.
            case waitForOutputs(atMost: Int)
            /// Write the last checkpoints, waiting no later than `deadline`, and leave.
            case stop(deadline: Date)
        }

        /// Periodic work due after a poll.
        struct Chores: OptionSet, Sendable {
            let rawValue: Int
            /// Seek tasks that received messages from before their start again.
            static let seekAgain = Chores(rawValue: 1 << 0)
            /// Let silent partitions' watermarks follow the wall clock (`idle_advance`).
            static let advanceIdlePartitions = Chores(rawValue: 1 << 1)
            /// Hand the checkpoints of the tasks due to the writer (a round of checkpoints).
            static let checkpoint = Chores(rawValue: 1 << 2)
            /// See whether every partition is caught up (`exitWhenCaughtUp`).
            static let checkCaughtUp = Chores(rawValue: 1 << 3)
            /// Publish the metrics.
            static let publishMetrics = Chores(rawValue: 1 << 4)
            /// Commit the offsets the durable checkpoints cover.
            static let commitOffsets = Chores(rawValue: 1 << 5)
        }

        /// How often the chores come round, and the bounds of a stop.
        struct Timing: Equatable {
            /// How often a round of checkpoints is handed over, the last one being settled.
            /// Each task's own interval (`checkpoint_interval`) is the runner's to keep: a
            /// round takes the tasks due, so that their serialization on the processing
            /// thread comes in small pieces rather than all at once.
            var checkpointRoundInterval: TimeInterval
            /// How often the durable offsets are committed to the group.
            var commitInterval: TimeInterval
            var metricsInterval: TimeInterval
            var idleCheckInterval: TimeInterval = 1
            var lagCheckInterval: TimeInterval = 0.2
            var seekRetryInterval: TimeInterval = 0.1
            /// How long tasks still re-reading may delay a stop.
            var rereadGrace: TimeInterval = 5
            /// How long a stop waits for the last checkpoints at most.
            var stopTimeout: TimeInterval
            var exitWhenCaughtUp = false
        }

        let timing: Timing
        /// Outputs queued for the writer at which input is held, and down to which it drains.
        let highWater: Int
        let lowWater: Int
        private(set) var state: State = .processing
        /// The periodic checkpoint handed to the writer and not yet durable.
        private(set) var checkpointInFlight: (ticket: OutputWriter.Ticket, requestedAt: Date)?
        /// Times input was held.
        private(set) var backpressurePauses = 0
        private var lastCheckpointAt: Date
        private var lastCommitAt: Date
        private var lastIdleCheckAt: Date
        private var lastLagCheckAt: Date
        private var lastMetricsAt = Date.distantPast
        private var lastSeekAt = Date.distantPast

        /// A machine starting at `now`; `queueLimit` is the producer's queue limit, which
        /// input is held against (from 80% of it down to 20%).
        init(timing: Timing, queueLimit: Int, now: Date) {
            self.timing = timing
            self.highWater = queueLimit * 8 / 10
            self.lowWater = queueLimit / 5
            self.lastCheckpointAt = now
            self.lastCommitAt = now
            self.lastIdleCheckAt = now
            self.lastLagCheckAt = now
        }

        // MARK: - Rounds

        /// What the next round does. `rereading`: some task still re-reads up to its
        /// checkpoint; `pendingOutputs`: outputs handed to the writer and not yet sent.
        mutating func nextRound(now: Date, stopRequested: Bool, rereading: Bool, pendingOutputs: Int) -> RoundAction {
            if case .stopping(let deadline) = state { return .stop(deadline: deadline) }
            if stopRequested {
                switch state {
                case .processing where rereading:
                    state = .finishingReread(stopRequestedAt: now)
                case .finishingReread(let requestedAt) where rereading && now.timeIntervalSince(requestedAt) <= timing.rereadGrace:
                    break
                default:
                    let deadline = now.addingTimeInterval(timing.stopTimeout)
                    state = .stopping(deadline: deadline)
                    return .stop(deadline: deadline)
                }
            }
            if pendingOutputs >= highWater, state == .processing {
                state = .holdingInput
                backpressurePauses += 1
            }
            if state == .holdingInput {
                guard pendingOutputs <= lowWater else { return .waitForOutputs(atMost: lowWater) }
                state = .processing
            }
            return .pollInput
        }

        /// The chores due after a poll that handed `received` messages to the tasks.
        mutating func choresDue(now: Date, received: Int) -> Chores {
            var chores: Chores = []
            if now.timeIntervalSince(lastSeekAt) >= timing.seekRetryInterval { chores.insert(.seekAgain) }
            if now.timeIntervalSince(lastIdleCheckAt) >= timing.idleCheckInterval {
                lastIdleCheckAt = now
                chores.insert(.advanceIdlePartitions)
            }
            if checkpointInFlight == nil, now.timeIntervalSince(lastCheckpointAt) >= timing.checkpointRoundInterval {
                lastCheckpointAt = now
                chores.insert(.checkpoint)
            }
            if now.timeIntervalSince(lastCommitAt) >= timing.commitInterval {
                lastCommitAt = now
                chores.insert(.commitOffsets)
            }
            if timing.exitWhenCaughtUp, received == 0, now.timeIntervalSince(lastLagCheckAt) >= timing.lagCheckInterval {
                lastLagCheckAt = now
                chores.insert(.checkCaughtUp)
            }
            if now.timeIntervalSince(lastMetricsAt) >= timing.metricsInterval {
                lastMetricsAt = now
                chores.insert(.publishMetrics)
            }
            return chores
        }

        /// Every partition is caught up (`exitWhenCaughtUp`): stop as if asked to.
        mutating func caughtUp(now: Date) {
            state = .stopping(deadline: now.addingTimeInterval(timing.stopTimeout))
        }

        // MARK: - Reports of what the runner did

        /// The runner sought tasks back to their start.
        mutating func soughtAgain(at now: Date) { lastSeekAt = now }

        /// The periodic checkpoint went to the writer as `ticket` (nil: no task had anything new).
        mutating func checkpointHandedOver(_ ticket: OutputWriter.Ticket?, at now: Date) {
            checkpointInFlight = ticket.map { ($0, now) }
        }

        /// The checkpoint in flight is settled (durable or failed); returns how long it took.
        mutating func checkpointSettled(at now: Date) -> TimeInterval? {
            guard let inFlight = checkpointInFlight else { return nil }
            checkpointInFlight = nil
            return now.timeIntervalSince(inFlight.requestedAt)
        }
    }
}
