/// A JSON syntax error: the message is not JSON (SPEC reason `not_json`).
public struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Byte offset at which the text stopped being JSON.
    public var offset: Int
    public var message: String
}

/// The JSON type of a value, as far as the event schema cares.
enum JSONKind: UInt8 {
    case null, boolean, number, string, object, array
}

/// A string token: the bytes between its quotes, and whether they contain escapes.
struct JSONStringToken {
    var start: Int
    var end: Int
    var hasEscapes: Bool
}

/// A number token and whether it is an integer (no fraction, no exponent).
struct JSONNumberToken {
    var start: Int
    var end: Int
    var isInteger: Bool
}

/// A validating JSON scanner over raw bytes (RFC 8259).
///
/// It checks the full grammar, including UTF-8 inside strings, escapes and `\u` surrogate
/// pairs, and skips nested values without recursion, so that no input can exhaust the stack.
/// It allocates nothing unless nesting is deeper than 64 levels.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: - Basics

    var isAtEnd: Bool { index >= bytes.count }

    @inline(__always)
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            let b = bytes[index]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            index += 1
        }
    }

    func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: index, message: message)
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: String) throws(JSONSyntaxError) {
        guard index < bytes.count, bytes[index] == byte else { throw error("expected \(what)") }
        index += 1
    }

    // MARK: - Strings

    /// Scans a string starting at its opening quote.
    mutating func scanString() throws(JSONSyntaxError) -> JSONStringToken {
        try expect(0x22, "'\"'")
        let start = index
        let n = bytes.count
        // The position lives in a local: `index` is stored back only where the scan leaves
        // the loop, instead of at every byte.
        var i = index
        var escapes = false
        while true {
            // Eight bytes at a time: most strings (ids, type names, timestamps) hold no
            // quote, backslash, control or non-ASCII byte, and the mask finds the first one.
            while i + 8 <= n {
                let special = Self.specialBytes(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                if special != 0 {
                    i += special.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            guard i < n else {
                index = i
                throw error("unterminated string")
            }
            let b = bytes[i]
            if b == 0x22 {
                index = i + 1
                return JSONStringToken(start: start, end: i, hasEscapes: escapes)
            }
            index = i
            if b == 0x5C {
                escapes = true
                try scanEscape()
            } else if b < 0x20 {
                throw error("control character in string")
            } else if b < 0x80 {
                index += 1
            } else {
                try scanUTF8Sequence()
            }
            i = index
        }
    }

    /// The high bit of every byte of `word` (little-endian) that is a quote, a backslash, a
    /// control character or non-ASCII; zero when all eight are plain.
    ///
    /// The lowest bit set marks the first such byte exactly: the borrows of the subtractions
    /// only run upwards from a byte that is itself marked, so only bytes above it can be
    /// marked wrongly.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let below0x20 = (word &- ones &* 0x20) & ~word & highs
        return (word & highs) | below0x20 | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        index += 1
        guard index < bytes.count else { throw error("unterminated escape") }
        let e = bytes[index]
        index += 1
        switch e {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return
        case 0x75:
            let unit = try scanHex4()
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else {
                    throw error("unpaired high surrogate")
                }
                index += 2
                let low = try scanHex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw error("unpaired high surrogate") }
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw error("unpaired low surrogate")
            }
        default:
            throw error("invalid escape")
        }
    }

    private mutating func scanHex4() throws(JSONSyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Self.hexValue(bytes[index]) else { throw error("bad hex digit") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b - 0x30)
        case 0x41...0x46: return UInt32(b - 0x41 + 10)
        case 0x61...0x66: return UInt32(b - 0x61 + 10)
        default: return nil
        }
    }

    /// Validates one multi-byte UTF-8 sequence (see ``UTF8Sequence``).
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        switch UTF8Sequence.check(bytes, at: index) {
        case .valid(let length): index += length
        case .invalid: throw error("invalid UTF-8")
        case .truncated: throw error("truncated UTF-8")
        }
    }

    // MARK: - Numbers and literals

    mutating func scanNumber() throws(JSONSyntaxError) -> JSONNumberToken {
        let start = index
        var integer = true
        if peek() == 0x2D { index += 1 }
        guard let first = peek(), first >= 0x30 && first <= 0x39 else { throw error("bad number") }
        index += 1
        if first != 0x30 { skipDigits() }
        if peek() == 0x2E {
            integer = false
            index += 1
            guard skipDigits() > 0 else { throw error("bad fraction") }
        }
        if let e = peek(), e == 0x65 || e == 0x45 {
            integer = false
            index += 1
            if let s = peek(), s == 0x2B || s == 0x2D { index += 1 }
            guard skipDigits() > 0 else { throw error("bad exponent") }
        }
        return JSONNumberToken(start: start, end: index, isInteger: integer)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
        return index - start
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("bad literal") }
        let p = literal.utf8Start
        for k in 0..<count where bytes[index + k] != p[k] { throw error("bad literal") }
        index += count
    }

    // MARK: - Values

    /// Scans one scalar value or the opening of a container; returns its kind.
    /// Containers are scanned to their end by `skipContainer`.
    mutating func scanValue() throws(JSONSyntaxError) -> (kind: JSONKind, string: JSONStringToken?, number: JSONNumberToken?) {
        guard let c = peek() else { throw error("expected a value") }
        switch c {
        case 0x22: return (.string, try scanString(), nil)
        case 0x7B: try skipContainer(); return (.object, nil, nil)
        case 0x5B: try skipContainer(); return (.array, nil, nil)
        case 0x74: try scanLiteral("true"); return (.boolean, nil, nil)
        case 0x66: try scanLiteral("false"); return (.boolean, nil, nil)
        case 0x6E: try scanLiteral("null"); return (.null, nil, nil)
        case 0x2D, 0x30...0x39: return (.number, nil, try scanNumber())
        default: throw error("unexpected character")
        }
    }

    /// Skips an object or array starting at its opening bracket, iteratively.
    mutating func skipContainer() throws(JSONSyntaxError) {
        // Bit k of `stack` is 1 when the container at depth k+1 is an object.
        var stack: UInt64 = 0
        var overflow: [Bool] = []
        var depth = 0

        func push(_ isObject: Bool) {
            if depth < 64 {
                stack = (stack & ~(1 << UInt64(depth))) | (isObject ? 1 << UInt64(depth) : 0)
            } else {
                overflow.append(isObject)
            }
            depth += 1
        }
        func topIsObject() -> Bool {
            depth <= 64 ? (stack >> UInt64(depth - 1)) & 1 == 1 : overflow[overflow.count - 1]
        }
        func pop() {
            if depth > 64 { overflow.removeLast() }
            depth -= 1
        }

        while true {
            // Expect a value at the current position.
            skipWhitespace()
            guard let c = peek() else { throw error("expected a value") }
            switch c {
            case 0x7B, 0x5B:
                let isObject = c == 0x7B
                index += 1
                push(isObject)
                skipWhitespace()
                if peek() == (isObject ? 0x7D : 0x5D) {
                    index += 1
                    pop()
                } else {
                    if isObject { try scanMemberName() }
                    continue
                }
            case 0x22: _ = try scanString()
            case 0x74: try scanLiteral("true")
            case 0x66: try scanLiteral("false")
            case 0x6E: try scanLiteral("null")
            case 0x2D, 0x30...0x39: _ = try scanNumber()
            default: throw error("unexpected character")
            }
            // After a value: close containers or move to the next element.
            while true {
                if depth == 0 { return }
                skipWhitespace()
                guard let next = peek() else { throw error("unterminated container") }
                index += 1
                let isObject = topIsObject()
                if next == 0x2C {
                    if isObject {
                        skipWhitespace()
                        try scanMemberName()
                    }
                    break
                } else if next == (isObject ? 0x7D : 0x5D) {
                    pop()
                } else {
                    throw error("expected ',' or a closing bracket")
                }
            }
        }
    }

    /// Scans `"name" :` of an object member.
    private mutating func scanMemberName() throws(JSONSyntaxError) {
        _ = try scanString()
        skipWhitespace()
        try expect(0x3A, "':'")
    }

    // MARK: - Decoding string contents

    /// The UTF-8 bytes a string token stands for, escapes resolved.
    func decodedBytes(_ token: JSONStringToken) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(token.end - token.start)
        var i = token.start
        while i < token.end {
            let b = bytes[i]
            guard b == 0x5C else {
                out.append(b)
                i += 1
                continue
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = hex4(at: i)
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    let low = hex4(at: i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                Self.appendUTF8(scalar, to: &out)
            default: out.append(e)
            }
        }
        return out
    }

    private func hex4(at i: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value = value << 4 | (Self.hexValue(bytes[i + k]) ?? 0) }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (scalar >> 6)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (scalar >> 12)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (scalar >> 18)))
            out.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}
