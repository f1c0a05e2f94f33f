/// An independent reading of RFC 8259 for the decoder's fuzz tests: a recursive-descent
/// check of the grammar, written apart from `JSONScanner` (which is iterative and fast) so
/// that the two disagree when either is wrong. Foundation's `JSONSerialization` cannot serve:
/// on Linux it accepts trailing commas and refuses exponents it cannot represent.
///
/// Beyond the grammar, as SPEC 1 reads invalid UTF-8 as `not_json`: a `\u` escape of a
/// surrogate must be a high one followed by a low one, which together stand for one scalar.
struct StrictJSONGrammar {
    enum Shape: String { case notJSON = "not_json", notObject = "not_object", object }

    private let bytes: [UInt8]
    private var index = 0

    /// `not_json` for bytes that are not one JSON text in UTF-8, else whether it is an object.
    static func shape(of bytes: [UInt8]) -> Shape {
        guard String(validating: bytes, as: UTF8.self) != nil else { return .notJSON }
        var grammar = StrictJSONGrammar(bytes: bytes)
        grammar.whitespace()
        let isObject = grammar.peek == UInt8(ascii: "{")
        guard grammar.value(depth: 0), grammar.whitespaceThenEnd() else { return .notJSON }
        return isObject ? .object : .notObject
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func whitespace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func whitespaceThenEnd() -> Bool {
        whitespace()
        return index == bytes.count
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func value(depth: Int) -> Bool {
        guard depth < 100_000 else { return false }
        whitespace()
        switch peek {
        case UInt8(ascii: "{"):
            index += 1
            whitespace()
            if take(UInt8(ascii: "}")) { return true }
            repeat {
                whitespace()
                guard string() else { return false }
                whitespace()
                guard take(UInt8(ascii: ":")), value(depth: depth + 1) else { return false }
                whitespace()
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            whitespace()
            if take(UInt8(ascii: "]")) { return true }
            repeat {
                guard value(depth: depth + 1) else { return false }
                whitespace()
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]"))
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func literal(_ text: String) -> Bool {
        for byte in text.utf8 where !take(byte) { return false }
        return true
    }

    private mutating func digits() -> Int {
        let start = index
        while let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    private mutating func number() -> Bool {
        _ = take(UInt8(ascii: "-"))
        if take(UInt8(ascii: "0")) {
        } else if digits() == 0 {
            return false
        }
        if take(UInt8(ascii: ".")), digits() == 0 { return false }
        if take(UInt8(ascii: "e")) || take(UInt8(ascii: "E")) {
            _ = take(UInt8(ascii: "+")) || take(UInt8(ascii: "-"))
            if digits() == 0 { return false }
        }
        return true
    }

    private mutating func string() -> Bool {
        guard take(UInt8(ascii: "\"")) else { return false }
        while let b = peek {
            index += 1
            switch b {
            case UInt8(ascii: "\""): return true
            case 0x00..<0x20: return false
            case UInt8(ascii: "\\"):
                guard let escape = peek else { return false }
                index += 1
                if escape == UInt8(ascii: "u") {
                    guard let unit = hex4() else { return false }
                    if (0xDC00...0xDFFF).contains(unit) { return false }
                    if (0xD800...0xDBFF).contains(unit) {
                        guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(),
                              (0xDC00...0xDFFF).contains(low) else { return false }
                    }
                } else if !"\"\\/bfnrt".utf8.contains(escape) {
                    return false
                }
            default: continue
            }
        }
        return false
    }
}

extension StrictJSONGrammar {
    /// Four hex digits of a `\u` escape.
    private mutating func hex4() -> Int? {
        var unit = 0
        for _ in 0..<4 {
            guard let h = peek, let digit = Int(String(UnicodeScalar(h)), radix: 16) else { return nil }
            unit = unit * 16 + digit
            index += 1
        }
        return unit
    }
}
