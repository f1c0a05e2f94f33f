import Collections

/// Day timers of a partition, grouped by instant.
///
/// Day timers fall on local midnights, so very many users share few instants (one per date
/// and zone). Keeping one slot list per instant and a heap of the distinct instants makes
/// scheduling an append and firing a sequential scan, instead of a cache-missing walk down
/// a heap of every user, and costs 4 bytes per pending timer. Timers of one instant fire in
/// slot order.
struct DayTimerWheel: Sendable {
    private var buckets: [Int64: [UInt32]] = [:]
    private var instants = Heap<Int64>()
    /// The bucket being fired, taken out of `buckets`.
    private var current: [UInt32] = []
    private var currentInstant: Int64 = .max
    private var currentIndex = 0
    private(set) var count = 0
    /// The earliest pending timer, kept up to date because it is asked for per event.
    private(set) var min: UserTimer?

    init() {}

    mutating func insert(_ timer: UserTimer) {
        count += 1
        if timer.instant == currentInstant && currentIndex < current.count {
            current.append(timer.slot)
        } else if buckets[timer.instant] == nil {
            instants.insert(timer.instant)
            buckets[timer.instant] = [timer.slot]
        } else {
            buckets[timer.instant, default: []].append(timer.slot)
        }
        if min == nil || timer.instant < min!.instant { min = timer }
    }

    /// Removes and returns the earliest timer; the wheel must not be empty.
    mutating func removeMin() -> UserTimer {
        let hasCurrent = currentIndex < current.count
        if !hasCurrent || (instants.min.map { $0 < currentInstant } ?? false) {
            if hasCurrent {
                // An earlier instant arrived while a bucket was being fired: park the rest.
                buckets[currentInstant] = Array(current[currentIndex...])
                instants.insert(currentInstant)
            }
            let instant = instants.removeMin()
            current = buckets.removeValue(forKey: instant) ?? []
            // Slot order walks user state sequentially, and makes the order canonical.
            current.sort()
            currentInstant = instant
            currentIndex = 0
        }
        let timer = UserTimer(instant: currentInstant, slot: current[currentIndex])
        currentIndex += 1
        count -= 1
        if currentIndex == current.count {
            current = []
            currentIndex = 0
            currentInstant = .max
        }
        updateMin()
        return timer
    }

    private mutating func updateMin() {
        var best: UserTimer?
        if currentIndex < current.count { best = UserTimer(instant: currentInstant, slot: current[currentIndex]) }
        if let instant = instants.min, best.map({ instant < $0.instant }) ?? true, let first = buckets[instant]?.first {
            best = UserTimer(instant: instant, slot: first)
        }
        min = best
    }

    /// Every pending timer in firing order (for snapshots).
    var ordered: [UserTimer] {
        var result = current[currentIndex...].map { UserTimer(instant: currentInstant, slot: $0) }
        for instant in buckets.keys.sorted() {
            result += buckets[instant]!.map { UserTimer(instant: instant, slot: $0) }
        }
        return result
    }

    /// A wheel holding `timers`, which fire in the given order within an instant.
    init(timers: [UserTimer]) {
        for timer in timers { insert(timer) }
    }
}
