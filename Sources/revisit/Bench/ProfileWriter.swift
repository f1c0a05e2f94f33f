import Foundation
import RevisitCore
import RevisitServer

/// A thread that applies the profiles again and again until stopped, at the priority of
/// `revisit serve`'s reader: what the table goes through while it catches up with a busy topic.
final class ProfileWriter: @unchecked Sendable {
    private let input: GeneratedProfiles
    private let table: ProfileTable
    private let stopFlag = StopFlag()
    private let done = DispatchSemaphore(value: 0)
    private var applied = 0
    private var seconds = 0.0

    init(input: GeneratedProfiles, table: ProfileTable) {
        self.input = input
        self.table = table
    }

    func start() {
        Thread.detachNewThread { [self] in
            ReaderPriority.lower()
            var scratch = JSONBuffer()
            let clock = ContinuousClock()
            let started = clock.now
            var i = 0
            while !stopFlag.isSet {
                input.apply(i % input.count, to: table, scratch: &scratch)
                i += 1
            }
            applied = i
            seconds = (clock.now - started).seconds
            done.signal()
        }
    }

    /// Stops the thread; returns the profiles applied per second.
    func stop() -> Double {
        stopFlag.set()
        done.wait()
        return Double(applied) / seconds
    }
}
