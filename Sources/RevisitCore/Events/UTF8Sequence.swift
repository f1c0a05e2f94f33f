/// Validation of one multi-byte UTF-8 sequence (no overlongs, no surrogates, at most
/// U+10FFFF), shared by the scanner that checks events and the buffer that writes outputs.
enum UTF8Sequence {
    enum Check {
        /// A valid sequence of this many bytes.
        case valid(Int)
        case invalid
        /// The bytes end inside the sequence.
        case truncated
    }

    /// Checks the sequence whose lead byte is at `i` (a byte of 0x80 or more).
    static func check(_ bytes: UnsafeRawBufferPointer, at i: Int) -> Check {
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch bytes[i] {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return .invalid
        }
        guard i + length <= bytes.count else { return .truncated }
        guard bytes[i + 1] >= lower && bytes[i + 1] <= upper else { return .invalid }
        for k in 2..<max(length, 2) where k < length {
            guard bytes[i + k] >= 0x80 && bytes[i + k] <= 0xBF else { return .invalid }
        }
        return .valid(length)
    }
}
