import Foundation
import RevisitCore
import Synchronization

/// What the reading threads of a topic replay share with the thread that started them: where
/// every partition stands, the files of the partitions read so far, the first failure, and
/// what each reader hands back at its end.
///
/// Readers report after every poll and ask whether to go on: once one fails (or the replay's
/// thread does), the others stop at their next poll, and the replay throws that first failure
/// once every reader ended.
final class TopicReplayReaders: Sendable {
    /// What a reader hands back once no partition is left to read.
    struct Outcome: Sendable {
        /// The partitions the reader read, in the order of ``processors``.
        var partitions: [Int32]
        var processors: [PartitionProcessor]
        /// Records the reader's producer queued and saw delivered (a replay into topics).
        var delivered = TopicOutputWriter.Counts()
    }

    private struct State: Sendable {
        var ranges: [ReplayProgress.Partition]
        /// By partition index: the files of a partition read to its end, until taken.
        var written: [ReplayOutputFiles.PartitionFiles?]
        /// The index of the first partition whose files were not taken yet.
        var nextToTake = 0
        /// The index of the first partition no reader has started.
        var nextToRead = 0
        var running: Int
        var failure: ReplayError?
        var outcomes: [Outcome] = []
    }

    private let state: Mutex<State>
    private let woken = DispatchSemaphore(value: 0)

    init(ranges: [ReplayProgress.Partition], readers: Int) {
        state = Mutex(State(ranges: ranges, written: Array(repeating: nil, count: ranges.count), running: readers))
    }

    // MARK: - Readers

    /// The index of the next partition to read, in partition order, nil once every one is
    /// started: a reader that is done with one takes the next, so that the readers end
    /// together and partitions are read to their ends about in partition order.
    func claim() -> Int? {
        state.withLock { state in
            guard state.failure == nil, state.nextToRead < state.ranges.count else { return nil }
            defer { state.nextToRead += 1 }
            return state.nextToRead
        }
    }

    /// Records where the partition at `index` (in the partition order) stands.
    ///
    /// - Returns: false once the replay failed: the caller stops reading.
    func report(_ range: ReplayProgress.Partition, at index: Int) -> Bool {
        state.withLock { state in
            state.ranges[index] = range
            return state.failure == nil
        }
    }

    /// Hands over the files of the partition at `index`, read to its end.
    func written(_ files: ReplayOutputFiles.PartitionFiles, index: Int) {
        let next = state.withLock { state in
            state.written[index] = files
            return state.nextToTake == index
        }
        // Only the partition the output files wait for is worth a wakeup.
        if next { woken.signal() }
    }

    /// Ends a reader: with its outcome, nil when it stopped because the replay failed, or its
    /// failure. Takes `result` (left nil) before the replay's thread can see it: that thread
    /// then holds the only reference to the processors' state, and finishing them copies
    /// nothing.
    func end(_ result: inout Result<Outcome?, ReplayError>?) {
        state.withLock { state in
            switch result {
            case .success(let outcome?)?: state.outcomes.append(outcome)
            case .failure(let error)?: state.failure = state.failure ?? error
            case .success(nil)?, nil: break
            }
            result = nil
            state.running -= 1
        }
        woken.signal()
    }

    // MARK: - The replay's thread

    /// Where every partition stands now, in partition order.
    var ranges: [ReplayProgress.Partition] { state.withLock { $0.ranges } }

    /// Waits up to `timeout` seconds for a reader to end or to hand over the files the output
    /// files wait for; true once every reader has ended.
    func wait(timeout: TimeInterval) -> Bool {
        _ = woken.wait(timeout: .now() + timeout)
        return state.withLock { $0.running == 0 }
    }

    /// The files handed over for the partitions after those taken before, up to the first
    /// partition not read yet, in partition order.
    func takeWritten() -> [ReplayOutputFiles.PartitionFiles] {
        state.withLock { state in
            var taken: [ReplayOutputFiles.PartitionFiles] = []
            while state.nextToTake < state.written.count, let files = state.written[state.nextToTake] {
                taken.append(files)
                state.written[state.nextToTake] = nil
                state.nextToTake += 1
            }
            return taken
        }
    }

    /// Fails the replay from its own thread: the readers stop at their next poll.
    func fail(_ error: ReplayError) {
        state.withLock { state in state.failure = state.failure ?? error }
    }

    /// Once every reader ended: their outcomes, or the first failure.
    func takeOutcomes() throws(ReplayError) -> [Outcome] {
        let result: Result<[Outcome], ReplayError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            var outcomes: [Outcome] = []
            swap(&outcomes, &state.outcomes)
            return .success(outcomes)
        }
        return try result.get()
    }
}
