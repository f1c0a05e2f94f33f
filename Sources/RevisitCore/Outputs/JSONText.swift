/// Appends JSON fragments to a byte buffer with one fixed formatting, so that equal records
/// always give equal bytes (SPEC 6, 8: byte-identical replays).
public enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string. Invalid UTF-8 is replaced by U+FFFD (only dead-letter values can
    /// contain it).
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        var copy = s
        copy.withUTF8 { appendString(bytes: UnsafeRawBufferPointer($0), to: &out) }
    }

    public static func appendString(bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(0x22)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b >= 0x20 && b < 0x80 {
                if b == 0x22 || b == 0x5C { out.append(0x5C) }
                out.append(b)
                i += 1
            } else if b < 0x20 {
                switch b {
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x0D: out.append(0x5C); out.append(0x72)
                case 0x09: out.append(0x5C); out.append(0x74)
                default:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]])
                }
                i += 1
            } else {
                let length = validSequenceLength(bytes, at: i)
                if length == 0 {
                    out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    i += 1
                } else {
                    for k in 0..<length { out.append(bytes[i + k]) }
                    i += length
                }
            }
        }
        out.append(0x22)
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or 0.
    private static func validSequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Int {
        let b0 = bytes[i]
        var length = 0
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return 0
        }
        guard i + length <= bytes.count else { return 0 }
        guard bytes[i + 1] >= lower && bytes[i + 1] <= upper else { return 0 }
        for k in 2..<max(2, length) where k < length {
            guard bytes[i + k] >= 0x80 && bytes[i + k] <= 0xBF else { return 0 }
        }
        return length
    }

    public static func appendInteger<T: BinaryInteger>(_ value: T, to out: inout [UInt8]) {
        var v = Int64(value)
        if v == 0 { out.append(0x30); return }
        if v < 0 {
            out.append(0x2D)
            if v == .min { out.append(contentsOf: Array("9223372036854775808".utf8)); return }
            v = -v
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while v > 0 {
                buffer[count] = UInt8(v % 10) + 0x30
                v /= 10
                count += 1
            }
            for k in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[k]) }
        }
    }

    /// A decimal rounded to `places` digits after the point, trailing zeros removed
    /// (`0.25`, `3`, `0.123457`). Non-finite values are written as `null`.
    public static func appendDecimal(_ x: Double, places: Int = 6, to out: inout [UInt8]) {
        guard x.isFinite else { out.append(contentsOf: Array("null".utf8)); return }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (x * Double(scale)).rounded()
        guard abs(scaled) < 9.0e15 else {
            out.append(contentsOf: Array(x.description.utf8))
            return
        }
        var units = Int64(scaled)
        if units < 0 { out.append(0x2D); units = -units }
        appendInteger(units / scale, to: &out)
        var fraction = units % scale
        guard fraction != 0 else { return }
        var width = places
        while fraction % 10 == 0 { fraction /= 10; width -= 1 }
        out.append(0x2E)
        // Digits are written in place, last first: no buffer per number on this hot path.
        let end = out.count + width
        out.append(contentsOf: repeatElement(0x30, count: width))
        var i = end - 1
        while fraction > 0 {
            out[i] = UInt8(fraction % 10) + 0x30
            fraction /= 10
            i -= 1
        }
    }

    /// `YYYY-MM-DD` of a day number, quoted.
    public static func appendDate(_ day: Int64, to out: inout [UInt8]) {
        let (y, m, d) = CivilDate.civil(day)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { b in
            b[0] = 0x22
            putDate(y, m, d, b, at: 1)
            b[11] = 0x22
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    /// RFC 3339 UTC with milliseconds, quoted: `"2024-03-10T07:30:00.000Z"`.
    public static func appendTimestamp(_ t: Int64, to out: inout [UInt8]) {
        let day = CivilDate.floorDivide(t, CivilDate.millisecondsPerDay)
        let ms = Int(t - day * CivilDate.millisecondsPerDay)
        let (y, m, d) = CivilDate.civil(day)
        // Written into a fixed 26-byte block: a profile holds five of these.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 26) { b in
            b[0] = 0x22
            putDate(y, m, d, b, at: 1)
            b[11] = 0x54
            put2(ms / 3_600_000, b, at: 12)
            b[14] = 0x3A
            put2(ms / 60_000 % 60, b, at: 15)
            b[17] = 0x3A
            put2(ms / 1000 % 60, b, at: 18)
            b[20] = 0x2E
            let millis = ms % 1000
            b[21] = UInt8(millis / 100) + 0x30
            put2(millis % 100, b, at: 22)
            b[24] = 0x5A
            b[25] = 0x22
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    /// `YYYY-MM-DD` into 10 bytes; years outside 0...9999 keep their last four digits, as
    /// the fixed width demands (event times are checked to be after 2000).
    @inline(__always)
    private static func putDate(_ y: Int, _ m: Int, _ d: Int, _ b: UnsafeMutableBufferPointer<UInt8>, at i: Int) {
        let year = ((y % 10_000) + 10_000) % 10_000
        put2(year / 100, b, at: i)
        put2(year % 100, b, at: i + 2)
        b[i + 4] = 0x2D
        put2(m, b, at: i + 5)
        b[i + 7] = 0x2D
        put2(d, b, at: i + 8)
    }

    /// Two decimal digits of `v` (0...99).
    @inline(__always)
    private static func put2(_ v: Int, _ b: UnsafeMutableBufferPointer<UInt8>, at i: Int) {
        b[i] = UInt8(truncatingIfNeeded: v / 10) &+ 0x30
        b[i + 1] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
    }

    /// Appends `"name":` (names are plain ASCII).
    @inline(__always)
    public static func appendKey(_ name: StaticString, to out: inout [UInt8], first: Bool = false) {
        if !first { out.append(0x2C) }
        out.append(0x22)
        out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        out.append(0x22)
        out.append(0x3A)
    }

    public static func appendRaw(_ text: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
