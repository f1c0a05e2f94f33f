/// Checks of raw bytes against JSON's grammar, for readers that pass a value through as it
/// is when it is JSON (`revisit tail` embeds such a message value in its line unchanged).
public enum JSONText {
    /// Whether `bytes` are one JSON text (RFC 8259): a single value of any type, with
    /// optional whitespace around it, in UTF-8, with no unpaired `\u` surrogate.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        do {
            _ = try scanner.scanValue()
        } catch {
            return false
        }
        scanner.skipWhitespace()
        return scanner.isAtEnd
    }

    /// Whether `bytes` are valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        var i = 0
        while i < n {
            // Eight ASCII bytes at a time: keys and header values are mostly ASCII.
            while i + 8 <= n, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < n else { return true }
            if bytes[i] < 0x80 {
                i += 1
                continue
            }
            guard case .valid(let length) = UTF8Sequence.check(bytes, at: i) else { return false }
            i += length
        }
        return true
    }
}
