import Foundation
import RevisitCore
import Synchronization

/// What the reading threads of a topic replay share with the thread that started them: the
/// partitions still to read, where every partition stands, the files of the partitions read
/// so far, the end instant, the first failure, and what each reader hands back at its end.
///
/// Readers report after every poll and ask whether to go on: once one fails (or the replay's
/// thread does), the others stop at their next poll, and the replay throws that first failure
/// once every reader ended.
final class TopicReplayReaders: Sendable {
    /// What a reader hands back once its processors are finished.
    struct Outcome: Sendable {
        /// The partitions the reader read, in the order of ``processors``.
        var partitions: [Int32]
        var processors: [PartitionProcessor]
        /// Records the reader's producer queued and saw delivered (a replay into topics).
        var delivered = TopicOutputWriter.Counts()
    }

    /// When every reader has read all it was given: the instant the processors move to.
    enum End: Sendable {
        /// The end of input: --as-of, or the largest event time of all partitions (nil when
        /// no event was valid).
        case at(Int64?)
        /// The replay failed: the readers stop.
        case failed
    }

    private struct State: Sendable {
        var ranges: [ReplayProgress.Partition]
        /// By partition index: the files of a partition read to its end, until taken.
        var written: [ReplayOutputFiles.PartitionFiles?]
        /// By partition index: the files of a partition's final records.
        var finals: [ReplayOutputFiles.PartitionFiles?]
        /// The index of the first partition whose files were not taken yet.
        var nextToTake = 0
        /// The index of the first partition no reader has started.
        var nextToRead = 0
        var running: Int
        /// Readers that read all they were given, the largest event time they saw, and how
        /// many of them wait for the end instant.
        var atEnd = 0
        var largest: Int64?
        var waitingForEnd = 0
        var endDecided = false
        var failure: ReplayError?
        var outcomes: [Outcome] = []

        /// Decides the end once every running reader is at it (or the replay failed) and
        /// returns how many waiting readers to wake.
        mutating func decideEnd() -> Int {
            guard !endDecided, waitingForEnd > 0, atEnd == running || failure != nil else { return 0 }
            endDecided = true
            defer { waitingForEnd = 0 }
            return waitingForEnd
        }
    }

    private let state: Mutex<State>
    /// `--as-of`, which is the end instant when given.
    private let asOf: Int64?
    private let woken = DispatchSemaphore(value: 0)
    private let endDecided = DispatchSemaphore(value: 0)

    init(ranges: [ReplayProgress.Partition], readers: Int, asOf: Int64?) {
        let none = [ReplayOutputFiles.PartitionFiles?](repeating: nil, count: ranges.count)
        state = Mutex(State(ranges: ranges, written: none, finals: none, running: readers))
        self.asOf = asOf
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

    /// Hands over the files of the final records of the partition at `index`.
    func finalsWritten(_ files: ReplayOutputFiles.PartitionFiles, index: Int) {
        state.withLock { state in state.finals[index] = files }
    }

    /// Says this reader read all it was given, whose largest event time is `largest`, and
    /// waits until every reader did: the end instant is the largest of all (or --as-of).
    func end(ofReading largest: Int64?) -> End {
        let (wake, wait) = state.withLock { state -> (Int, Bool) in
            if let largest { state.largest = max(state.largest ?? largest, largest) }
            state.atEnd += 1
            // The end may have been decided already, by a failure.
            guard !state.endDecided else { return (0, false) }
            state.waitingForEnd += 1
            return (state.decideEnd(), true)
        }
        for _ in 0..<wake { endDecided.signal() }
        if wait { endDecided.wait() }
        return state.withLock { state in state.failure == nil ? .at(asOf ?? state.largest) : .failed }
    }

    /// Ends a reader: with its outcome, nil when it stopped because the replay failed, or its
    /// failure. Takes `result` (left nil) before the replay's thread can see it: that thread
    /// then holds the only reference to the processors' state.
    func end(_ result: inout Result<Outcome?, ReplayError>?) {
        let wake = state.withLock { state in
            switch result {
            case .success(let outcome?)?: state.outcomes.append(outcome)
            case .failure(let error)?: state.failure = state.failure ?? error
            case .success(nil)?, nil: break
            }
            result = nil
            state.running -= 1
            return state.decideEnd()
        }
        for _ in 0..<wake { endDecided.signal() }
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

    /// Fails the replay from its own thread: the readers stop at their next poll, or at the
    /// end of reading.
    func fail(_ error: ReplayError) {
        let wake = state.withLock { state in
            state.failure = state.failure ?? error
            return state.decideEnd()
        }
        for _ in 0..<wake { endDecided.signal() }
    }

    /// Once every reader ended: their outcomes, the end instant and the files of every
    /// partition's final records in partition order, or the first failure.
    func takeOutcomes() throws(ReplayError) -> (outcomes: [Outcome], end: Int64?, finals: [ReplayOutputFiles.PartitionFiles]) {
        let result: Result<([Outcome], Int64?, [ReplayOutputFiles.PartitionFiles]), ReplayError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            var outcomes: [Outcome] = []
            swap(&outcomes, &state.outcomes)
            return .success((outcomes, asOf ?? state.largest, state.finals.compactMap { $0 }))
        }
        return try result.get()
    }
}
