import Foundation
import Synchronization
@testable import RevisitRuntime

/// A clock that stands still until a test moves it.
final class ManualClock: RuntimeClock {
    private let instant: Mutex<Date>

    init(_ start: Date) { instant = Mutex(start) }

    var now: Date { instant.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        instant.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
