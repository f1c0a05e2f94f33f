/// A growable byte buffer that JSON is written into with one fixed formatting, so that equal
/// records always give equal bytes (SPEC 6, 8: byte-identical replays).
///
/// Outputs are encoded at the rate events arrive, so the buffer writes through a raw pointer
/// (one capacity check per value, not per byte) and is meant to be reused: ``removeAll()``
/// keeps the memory for the next record. Not copyable: it owns its memory.
public struct JSONBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The bytes written so far.
    public private(set) var count = 0
    /// Days written by ``date(_:)`` or ``timestamp(_:)`` with their `YYYY-MM-DD`, in
    /// ``dateCacheSize`` slots by day number: a profile's dates (first seen, last visit,
    /// as of, ...) span weeks, and the civil date is the costly part of writing one.
    private let cachedDays: UnsafeMutablePointer<Int64>
    private let cachedDates: UnsafeMutablePointer<CachedDate>
    /// `"00"` to `"99"`, two bytes each: numbers are written two digits per division. Held
    /// by the buffer because a global table would be initialised lazily, checked at every use.
    private let digitPairs: UnsafeMutablePointer<UInt16>

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        self.base = .allocate(capacity: self.capacity)
        self.digitPairs = .allocate(capacity: 100)
        for v in 0..<100 {
            let text = (UInt16(0x30 + v % 10) << 8) | UInt16(0x30 + v / 10)
            digitPairs[v] = UInt16(littleEndian: text)
        }
        self.cachedDays = .allocate(capacity: Self.dateCacheSize)
        cachedDays.initialize(repeating: .min, count: Self.dateCacheSize)
        self.cachedDates = .allocate(capacity: Self.dateCacheSize)
        cachedDates.initialize(repeating: CachedDate(head: 0, tail: 0), count: Self.dateCacheSize)
    }

    deinit {
        base.deallocate()
        digitPairs.deallocate()
        cachedDays.deallocate()
        cachedDates.deallocate()
    }

    /// The ten bytes of a `YYYY-MM-DD`, as two loads.
    private struct CachedDate {
        var head: UInt64
        var tail: UInt16
    }

    /// Slots of the date cache: any 64 consecutive days have one each.
    private static let dateCacheSize = 64

    /// Forgets the bytes written, keeping the memory.
    public mutating func removeAll() { count = 0 }

    /// Calls `body` with the bytes written so far (valid only inside `body`).
    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// A copy of the bytes written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The bytes written so far as text.
    public var text: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    // MARK: - Raw bytes

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    public mutating func byte(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    /// Plain bytes, as they are (ASCII constants, or JSON already formatted).
    @inline(__always)
    public mutating func raw(_ text: StaticString) {
        raw(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A JSON string of plain ASCII that needs no escaping (enum names).
    @inline(__always)
    public mutating func string(_ name: StaticString) {
        byte(0x22)
        raw(name)
        byte(0x22)
    }

    @inline(__always)
    public mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    /// `"name":`, after a comma unless `first` (names are plain ASCII).
    @inline(__always)
    public mutating func key(_ name: StaticString, first: Bool = false) {
        reserve(name.utf8CodeUnitCount + 4)
        if !first { base[count] = 0x2C; count += 1 }
        base[count] = 0x22
        (base + count + 1).update(from: name.utf8Start, count: name.utf8CodeUnitCount)
        count += name.utf8CodeUnitCount + 1
        base[count] = 0x22
        base[count + 1] = 0x3A
        count += 2
    }

    // MARK: - Strings

    /// A JSON string. Invalid UTF-8 is replaced by U+FFFD (only dead-letter values can
    /// contain it).
    public mutating func string(_ s: String) {
        var copy = s
        copy.withUTF8 { string(bytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func string(bytes: UnsafeRawBufferPointer) {
        // Six bytes per input byte is the most an escape (\u00XX) takes.
        reserve(bytes.count * 6 + 2)
        base[count] = 0x22
        var out = count + 1
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b >= 0x20 && b < 0x80 {
                if b == 0x22 || b == 0x5C { base[out] = 0x5C; out += 1 }
                base[out] = b
                out += 1
                i += 1
            } else if b < 0x20 {
                base[out] = 0x5C
                switch b {
                case 0x0A: base[out + 1] = 0x6E; out += 2
                case 0x0D: base[out + 1] = 0x72; out += 2
                case 0x09: base[out + 1] = 0x74; out += 2
                default:
                    base[out + 1] = 0x75
                    base[out + 2] = 0x30
                    base[out + 3] = 0x30
                    base[out + 4] = Self.hexDigit(b >> 4)
                    base[out + 5] = Self.hexDigit(b & 15)
                    out += 6
                }
                i += 1
            } else {
                if case .valid(let length) = UTF8Sequence.check(bytes, at: i) {
                    for k in 0..<length { base[out + k] = bytes[i + k] }
                    out += length
                    i += length
                } else {
                    base[out] = 0xEF
                    base[out + 1] = 0xBF
                    base[out + 2] = 0xBD
                    out += 3
                    i += 1
                }
            }
        }
        base[out] = 0x22
        count = out + 1
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x57 + v }

    // MARK: - Numbers

    public mutating func integer<T: BinaryInteger>(_ value: T) {
        integer(Int64(value))
    }

    public mutating func integer(_ value: Int64) {
        // Counts, streaks and visit days are mostly one or two digits.
        if value >= 0, value < 100 {
            reserve(2)
            if value < 10 {
                base[count] = UInt8(truncatingIfNeeded: value) &+ 0x30
                count += 1
            } else {
                put2(Int(truncatingIfNeeded: value), base + count)
                count += 2
            }
            return
        }
        reserve(20)
        if value < 0 {
            base[count] = 0x2D
            count += 1
        }
        unsignedDigits(value.magnitude)
    }

    /// The decimal digits of `v`, written last first into their final place, two at a time.
    @inline(__always)
    private mutating func unsignedDigits(_ v: UInt64) {
        var width = 1
        var bound: UInt64 = 10
        while width < 20, v >= bound {
            width += 1
            bound = bound &* 10
        }
        reserve(width)
        var end = count + width
        var rest = v
        while rest >= 100 {
            let quotient = rest / 100
            end -= 2
            put2(Int(truncatingIfNeeded: rest &- quotient &* 100), base + end)
            rest = quotient
        }
        if rest >= 10 {
            put2(Int(truncatingIfNeeded: rest), base + end - 2)
        } else {
            base[end - 1] = UInt8(truncatingIfNeeded: rest) &+ 0x30
        }
        count += width
    }

    /// A decimal rounded to `places` digits after the point, trailing zeros removed
    /// (`0.25`, `3`, `0.123457`). Non-finite values are written as `null`.
    @inline(__always)
    public mutating func decimal(_ x: Double, places: Int = 6) {
        // The places the outputs use get constant divisors, which compile to multiplications.
        switch places {
        case 6: fixedPoint(x, scale: 1_000_000, places: 6)
        case 3: fixedPoint(x, scale: 1_000, places: 3)
        default:
            var scale: Int64 = 1
            for _ in 0..<places { scale *= 10 }
            fixedPoint(x, scale: scale, places: places)
        }
    }

    @inline(__always)
    private mutating func fixedPoint(_ x: Double, scale: Int64, places: Int) {
        guard x.isFinite else { raw("null"); return }
        let scaled = x * Double(scale)
        // From 2^52 up every double is an integer: the limit means the same before rounding.
        guard abs(scaled) < 9.0e15 else {
            var text = x.description
            text.withUTF8 { raw(UnsafeRawBufferPointer($0)) }
            return
        }
        // Rounding half away from zero, as `rounded()` does, without its library call: the
        // truncation and the remainder are exact in this range.
        var units = Int64(scaled)
        let remainder = scaled - Double(units)
        if remainder >= 0.5 { units += 1 } else if remainder <= -0.5 { units -= 1 }
        if units < 0 { byte(0x2D); units = -units }
        let whole = units / scale
        unsignedDigits(UInt64(whole))
        var fraction = Int(truncatingIfNeeded: units - whole * scale)
        guard fraction != 0 else { return }
        // All `places` digits two at a time (from the right), then the trailing zeros dropped.
        reserve(places + 2)
        base[count] = 0x2E
        var end = count + 1 + places
        let last = end
        if places & 1 == 1 {
            base[end - 1] = UInt8(truncatingIfNeeded: fraction % 10) &+ 0x30
            fraction /= 10
            end -= 1
        }
        while end > count + 1 {
            put2(fraction % 100, base + end - 2)
            fraction /= 100
            end -= 2
        }
        var width = last
        while base[width - 1] == 0x30 { width -= 1 }
        count = width
    }

    // MARK: - Dates and times

    /// `YYYY-MM-DD` of a day number, quoted.
    public mutating func date(_ day: Int64) {
        reserve(12)
        base[count] = 0x22
        putDate(day, at: count + 1)
        base[count + 11] = 0x22
        count += 12
    }

    /// RFC 3339 UTC with milliseconds, quoted: `"2024-03-10T07:30:00.000Z"`.
    public mutating func timestamp(_ t: Int64) {
        let day = CivilDate.floorDivide(t, CivilDate.millisecondsPerDay)
        let ms = Int(t - day * CivilDate.millisecondsPerDay)
        reserve(26)
        let b = base + count
        b[0] = 0x22
        putDate(day, at: count + 1)
        b[11] = 0x54
        let seconds = ms / 1000
        let minutes = seconds / 60
        put2(minutes / 60, b + 12)
        b[14] = 0x3A
        put2(minutes - minutes / 60 * 60, b + 15)
        b[17] = 0x3A
        put2(seconds - minutes * 60, b + 18)
        b[20] = 0x2E
        let millis = ms - seconds * 1000
        b[21] = UInt8(truncatingIfNeeded: millis / 100) &+ 0x30
        put2(millis % 100, b + 22)
        b[24] = 0x5A
        b[25] = 0x22
        count += 26
    }

    /// `YYYY-MM-DD` into the 10 bytes at `offset` (already reserved); years outside
    /// 0...9999 keep their last four digits, as the fixed width demands (event times are
    /// checked to be after 2000).
    @inline(__always)
    private mutating func putDate(_ day: Int64, at offset: Int) {
        let slot = Int(truncatingIfNeeded: day) & (Self.dateCacheSize - 1)
        if cachedDays[slot] != day {
            let (y, m, d) = CivilDate.civil(day)
            let year = ((y % 10_000) + 10_000) % 10_000
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 10) { b in
                let p = b.baseAddress!
                put2(year / 100, p)
                put2(year % 100, p + 2)
                p[4] = 0x2D
                put2(m, p + 5)
                p[7] = 0x2D
                put2(d, p + 8)
                let raw = UnsafeRawPointer(p)
                cachedDates[slot] = CachedDate(
                    head: raw.loadUnaligned(as: UInt64.self), tail: raw.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
            }
            cachedDays[slot] = day
        }
        let target = UnsafeMutableRawPointer(base + offset)
        target.storeBytes(of: cachedDates[slot].head, as: UInt64.self)
        target.storeBytes(of: cachedDates[slot].tail, toByteOffset: 8, as: UInt16.self)
    }

    /// Two decimal digits of `v` (0...99).
    @inline(__always)
    private func put2(_ v: Int, _ b: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(b).storeBytes(of: digitPairs[v], as: UInt16.self)
    }
}
