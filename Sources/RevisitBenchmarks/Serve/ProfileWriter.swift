import Foundation
import RevisitCore
import RevisitServer
import Synchronization

/// A thread that applies the profiles again and again until stopped, at the priority of
/// `revisit serve`'s reader: what the table goes through while it catches up with a busy topic.
final class ProfileWriter: @unchecked Sendable {
    private let input: GeneratedProfiles
    private let table: ProfileTable
    private let lowerPriority: @Sendable () -> Void
    private let stopping = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private var applied = 0
    private var seconds = 0.0

    init(input: GeneratedProfiles, table: ProfileTable, lowerPriority: @escaping @Sendable () -> Void) {
        self.input = input
        self.table = table
        self.lowerPriority = lowerPriority
    }

    func start() {
        Thread.detachNewThread { [self] in
            lowerPriority()
            var scratch = JSONBuffer()
            let clock = ContinuousClock()
            let started = clock.now
            var i = 0
            while !stopping.load(ordering: .acquiring) {
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
        stopping.store(true, ordering: .releasing)
        done.wait()
        return Double(applied) / seconds
    }
}
