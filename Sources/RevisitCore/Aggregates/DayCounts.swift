/// Counts of users per reporting-zone date over the last ``DayCounts/span`` dates, in a
/// ring: the histograms behind the windows of SPEC 7 (`wau`, `mau`, `revisit`, `retention`).
///
/// Only the newest date is ever incremented (events arrive in time order); a date that has
/// fallen out of the ring reads as 0 and ignores decrements.
struct DayCounts: Sendable, Equatable {
    /// Dates kept: the longest window of SPEC 7 (30 days back, `retention.d30`) with room.
    static let span = 64

    private var counts = [Int](repeating: 0, count: DayCounts.span)
    /// The newest date held; dates before `newest - span + 1` are gone.
    private(set) var newest: Int64

    init(newest: Int64) {
        self.newest = newest
    }

    private func holds(_ day: Int64) -> Bool { day <= newest && day > newest - Int64(Self.span) }

    private func index(_ day: Int64) -> Int { Int(day & Int64(Self.span - 1)) }

    subscript(day: Int64) -> Int { holds(day) ? counts[index(day)] : 0 }

    mutating func add(_ delta: Int, on day: Int64) {
        guard holds(day) else { return }
        counts[index(day)] += delta
    }

    /// The sum over the dates `from...through`.
    func sum(from: Int64, through: Int64) -> Int {
        var total = 0
        var day = max(from, newest - Int64(Self.span) + 1)
        while day <= min(through, newest) {
            total += counts[index(day)]
            day += 1
        }
        return total
    }

    /// Makes `day` (after ``newest``) the newest date, with no users on the dates it adds.
    mutating func advance(to day: Int64) {
        guard day > newest else { return }
        var d = max(newest + 1, day - Int64(Self.span) + 1)
        while d <= day {
            counts[index(d)] = 0
            d += 1
        }
        newest = day
    }
}
