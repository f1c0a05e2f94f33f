/// Parses the `ts` forms of SPEC section 1 into epoch milliseconds.
enum TimestampParser {
    /// Why a `ts` could not be used.
    enum Failure: Error {
        /// Not a valid form (a fraction, an exponent, a malformed or offset-less string).
        case malformed(String)
        /// A well-formed integer that does not fit epoch milliseconds.
        case outOfRange
    }

    /// An integer JSON number token (already known to have no fraction or exponent).
    static func parseInteger(_ bytes: UnsafeRawBufferPointer, start: Int, end: Int) -> Result<Int64, Failure> {
        var i = start
        var negative = false
        if bytes[i] == 0x2D { negative = true; i += 1 }
        // 18 digits always fit in Int64; longer integers are far outside any accepted range.
        guard end - i <= 18 else { return .failure(.outOfRange) }
        var value: Int64 = 0
        while i < end {
            value = value * 10 + Int64(bytes[i] - 0x30)
            i += 1
        }
        return .success(negative ? -value : value)
    }

    /// An RFC 3339 date-time with a mandatory offset: `2024-03-10T07:30:00.123+08:00`.
    ///
    /// `T` may also be `t` or a space (RFC 3339 5.6 note), `Z` may be `z`; fractions of any
    /// length are truncated to milliseconds. A leap second (`:60`) is not accepted.
    static func parseRFC3339(_ s: [UInt8]) -> Result<Int64, Failure> {
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= s.count else { return nil }
            var v = 0
            for k in at..<(at + count) {
                let b = s[k]
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard s.count >= 20,
              let year = digits(0, 4), s[4] == 0x2D,
              let month = digits(5, 2), s[7] == 0x2D,
              let day = digits(8, 2),
              s[10] == 0x54 || s[10] == 0x74 || s[10] == 0x20,
              let hour = digits(11, 2), s[13] == 0x3A,
              let minute = digits(14, 2), s[16] == 0x3A,
              let second = digits(17, 2)
        else { return .failure(.malformed("not an RFC 3339 date-time")) }
        guard month >= 1 && month <= 12, day >= 1 && day <= CivilDate.daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 59
        else { return .failure(.malformed("date or time out of range")) }
        var i = 19
        var millis = 0
        if i < s.count && s[i] == 0x2E {
            i += 1
            let fractionStart = i
            while i < s.count, s[i] >= 0x30 && s[i] <= 0x39 {
                if i - fractionStart < 3 { millis = millis * 10 + Int(s[i] - 0x30) }
                i += 1
            }
            let length = i - fractionStart
            guard length > 0 else { return .failure(.malformed("empty fraction")) }
            for _ in min(length, 3)..<3 { millis *= 10 }
        }
        guard i < s.count else { return .failure(.malformed("no UTC offset")) }
        var offsetMinutes = 0
        if s[i] == 0x5A || s[i] == 0x7A {
            i += 1
        } else if s[i] == 0x2B || s[i] == 0x2D {
            guard let oh = digits(i + 1, 2), i + 3 < s.count, s[i + 3] == 0x3A, let om = digits(i + 4, 2),
                  oh <= 23, om <= 59
            else { return .failure(.malformed("bad UTC offset")) }
            offsetMinutes = (oh * 60 + om) * (s[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return .failure(.malformed("no UTC offset"))
        }
        guard i == s.count else { return .failure(.malformed("trailing characters")) }
        let days = CivilDate.dayNumber(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return .success(seconds * 1000 + Int64(millis))
    }
}
