import RevisitCore

/// Reads a profile's JSON in the one layout the pipeline writes it (SPEC 6, fields in
/// `OutputEncoder`'s order), value by value, and gives up at the first byte that differs.
///
/// It is deliberately not a general JSON parser: ``PackedProfile`` keeps only what it can
/// write back byte for byte, and the table checks that it does, so anything unusual (escapes,
/// another field order, a newer schema) is simply kept as it came.
struct ProfileJSONScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index == bytes.count }

    // MARK: - Punctuation and names

    /// Consumes `text` when the bytes continue with it.
    mutating func literal(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for i in 0..<count where bytes[index + i] != text.utf8Start[i] { return false }
        index += count
        return true
    }

    // MARK: - Strings

    /// The bytes between the quotes of a string without escapes or control characters.
    mutating func plainString() -> Range<Int>? {
        guard literal("\"") else { return nil }
        let start = index
        while index < bytes.count {
            let b = bytes[index]
            if b == 0x22 {
                index += 1
                return start..<(index - 1)
            }
            // An escaped or control character: the table keeps such a profile as it came.
            if b == 0x5C || b < 0x20 { return nil }
            index += 1
        }
        return nil
    }

    // MARK: - Numbers

    /// A whole number without sign, fraction or exponent, up to 18 digits.
    mutating func count() -> Int64? {
        let start = index
        var value: Int64 = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            guard index - start < 18 else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return index > start ? value : nil
    }

    /// A decimal with at most `places` digits after the point, as an integer number of
    /// `10^-places` units (`0.25` with 6 places is 250000).
    mutating func fixedPoint(places: Int) -> Int64? {
        let negative = literal("-")
        guard var units = count() else { return nil }
        var scale = 0
        if literal(".") {
            while index < bytes.count, let digit = Self.digit(bytes[index]) {
                guard scale < places else { return nil }
                units = units * 10 + digit
                scale += 1
                index += 1
            }
            guard scale > 0 else { return nil }
        }
        while scale < places {
            guard units < Int64.max / 10 else { return nil }
            units *= 10
            scale += 1
        }
        return negative ? -units : units
    }

    // MARK: - Dates and times

    /// A quoted `YYYY-MM-DD` as a day number.
    mutating func date() -> Int64? {
        guard literal("\""), let day = civilDate(), literal("\"") else { return nil }
        return day
    }

    /// A quoted `YYYY-MM-DDTHH:MM:SS.mmmZ` as epoch milliseconds.
    mutating func timestamp() -> Int64? {
        guard literal("\""), let day = civilDate(), literal("T"),
              let hours = digits(2), literal(":"), let minutes = digits(2), literal(":"),
              let seconds = digits(2), literal("."), let millis = digits(3), literal("Z"), literal("\""),
              hours < 24, minutes < 60, seconds < 60
        else { return nil }
        return day * CivilDate.millisecondsPerDay + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
    }

    private mutating func civilDate() -> Int64? {
        guard let year = digits(4), literal("-"), let month = digits(2), literal("-"), let day = digits(2),
              (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: Int(year), month: Int(month))
        else { return nil }
        return CivilDate.dayNumber(year: Int(year), month: Int(month), day: Int(day))
    }

    /// Exactly `n` decimal digits.
    private mutating func digits(_ n: Int) -> Int64? {
        guard bytes.count - index >= n else { return nil }
        var value: Int64 = 0
        for _ in 0..<n {
            guard let digit = Self.digit(bytes[index]) else { return nil }
            value = value * 10 + digit
            index += 1
        }
        return value
    }

    @inline(__always)
    private static func digit(_ b: UInt8) -> Int64? {
        b >= 0x30 && b <= 0x39 ? Int64(b &- 0x30) : nil
    }
}
