import Foundation

/// UTC offsets of one time zone, looked up without calling Foundation on the hot path.
///
/// Offsets are computed lazily per chunk of about a year: the zone is sampled every 12 hours
/// and each change is located to the second by bisection. Lookups hit a one-interval cache
/// first, so a stream of events in one zone costs a comparison per event. A fixed zone (UTC)
/// never touches Foundation.
struct ZoneOffsetTable: Sendable {
    /// An interval `[start, end)` of constant offset.
    struct Interval: Sendable {
        var start: Int64
        var end: Int64
        var offset: Int64
    }

    private static let chunkLength: Int64 = 366 * 86_400_000

    let identifier: String
    private let zone: TimeZone?
    private var chunks: [Int64: [Interval]] = [:]
    private var cached = Interval(start: 0, end: 0, offset: 0)

    /// A table for a Foundation zone; `nil` zone means UTC.
    init(identifier: String, zone: TimeZone?) {
        self.identifier = identifier
        self.zone = zone
        if zone == nil {
            cached = Interval(start: .min, end: .max, offset: 0)
        }
    }

    /// Whether the zone is UTC (no offsets ever).
    var isUTC: Bool { zone == nil }

    /// The offset from UTC in milliseconds at instant `t` (epoch ms).
    @inline(__always)
    mutating func offset(at t: Int64) -> Int64 {
        if t >= cached.start && t < cached.end { return cached.offset }
        return slowOffset(at: t)
    }

    private mutating func slowOffset(at t: Int64) -> Int64 {
        guard let zone else { return 0 }
        let chunk = CivilDate.floorDivide(t, Self.chunkLength)
        if chunks[chunk] == nil {
            chunks[chunk] = Self.build(zone, from: chunk * Self.chunkLength, to: (chunk + 1) * Self.chunkLength)
        }
        for interval in chunks[chunk]! where t >= interval.start && t < interval.end {
            cached = interval
            return interval.offset
        }
        return 0
    }

    private static func build(_ zone: TimeZone, from: Int64, to: Int64) -> [Interval] {
        func offsetMillis(_ second: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second)))) * 1000
        }
        let step: Int64 = 43_200
        var intervals: [Interval] = []
        var startSecond = from / 1000
        let endSecond = to / 1000
        var current = offsetMillis(startSecond)
        var probe = startSecond
        while probe < endSecond {
            let next = min(probe + step, endSecond)
            let nextOffset = offsetMillis(next)
            if nextOffset != current && next < endSecond {
                // Bisect to the first second with the new offset.
                var lo = probe, hi = next
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if offsetMillis(mid) == current { lo = mid } else { hi = mid }
                }
                intervals.append(Interval(start: startSecond * 1000, end: hi * 1000, offset: current))
                startSecond = hi
                current = offsetMillis(hi)
            }
            probe = next
        }
        intervals.append(Interval(start: startSecond * 1000, end: to, offset: current))
        if let first = intervals.first, first.start > from {
            intervals[0].start = from
        }
        return intervals
    }

    // MARK: - Calendar days

    /// The local date (days since 1970-01-01) of instant `t`.
    @inline(__always)
    mutating func day(at t: Int64) -> Int64 {
        CivilDate.floorDivide(t &+ offset(at: t), CivilDate.millisecondsPerDay)
    }

    /// The first instant of local date `day` (local midnight, or the end of a DST gap that
    /// swallowed midnight).
    mutating func midnight(of day: Int64) -> Int64 {
        let local = day * CivilDate.millisecondsPerDay
        if isUTC { return local }
        var guess = local - offset(at: local)
        guess = local - offset(at: guess)
        if self.day(at: guess) >= day && self.day(at: guess - 1) < day { return guess }
        // Around a transition: find the first instant whose date is `day`.
        var lo = local - 36 * 3_600_000, hi = local + 36 * 3_600_000
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if self.day(at: mid) >= day { hi = mid } else { lo = mid }
        }
        return hi
    }
}
