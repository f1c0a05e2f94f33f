/// A length of event time in whole milliseconds, as written in a pipeline file (`30m`, `10s`, `7d`).
///
/// Event time in Revisit is epoch milliseconds (`Int64`), so spans are kept in the same unit to
/// keep timer arithmetic exact and allocation-free.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The span in milliseconds; never negative.
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public static func seconds(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value * 1_000) }
    public static func minutes(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value * 60_000) }
    public static func hours(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value * 3_600_000) }
    public static func days(_ value: Int64) -> TimeSpan { TimeSpan(milliseconds: value * 86_400_000) }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// The shortest pipeline-file spelling: `7d`, `30m`, `1500ms`.
    public var description: String {
        let units: [(String, Int64)] = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)]
        for (suffix, size) in units where milliseconds != 0 && milliseconds % size == 0 {
            return "\(milliseconds / size)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}

// MARK: - Parsing

extension TimeSpan {
    /// Units of a written span, longest suffix first so `ms` is not read as `m`.
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Parses a pipeline-file span: one or more `<whole number><unit>` parts with units
    /// `ms`, `s`, `m`, `h`, `d` (`250ms`, `10s`, `30m`, `7d`, `1h30m`), or a bare `0`.
    /// Returns nil for anything else: a missing unit, a fraction, a sign, or an overflow.
    public init?(parsing text: String) {
        let scalars = Array(text.unicodeScalars)
        if text == "0" {
            self.init(milliseconds: 0)
            return
        }
        guard !scalars.isEmpty else { return nil }
        var total: Int64 = 0
        var index = 0
        while index < scalars.count {
            var number: Int64 = 0
            let digitsStart = index
            while index < scalars.count, let digit = Self.digit(scalars[index]) {
                let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(digit)
                guard !overflow1, !overflow2 else { return nil }
                number = plus
                index += 1
            }
            guard index > digitsStart else { return nil }
            let unitStart = index
            while index < scalars.count, Self.digit(scalars[index]) == nil { index += 1 }
            let suffix = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            guard let unit = Self.units.first(where: { $0.suffix == suffix }) else { return nil }
            let (part, overflow3) = number.multipliedReportingOverflow(by: unit.milliseconds)
            let (sum, overflow4) = total.addingReportingOverflow(part)
            guard !overflow3, !overflow4 else { return nil }
            total = sum
        }
        self.init(milliseconds: total)
    }

    private static func digit(_ scalar: Unicode.Scalar) -> Int64? {
        guard scalar.value >= 48, scalar.value <= 57 else { return nil }
        return Int64(scalar.value - 48)
    }
}
