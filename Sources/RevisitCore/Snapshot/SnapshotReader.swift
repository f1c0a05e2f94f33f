/// Reads what `SnapshotWriter` wrote; every read checks bounds and reports truncation.
public struct SnapshotReader {
    private let bytes: [UInt8]
    private var index = 0

    /// How many bytes were read so far.
    public var position: Int { index }

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isAtEnd: Bool { index == bytes.count }

    private func truncated() -> PartitionProcessorError { .badSnapshot("truncated at byte \(index)") }

    public mutating func byte() throws(PartitionProcessorError) -> UInt8 {
        guard index < bytes.count else { throw truncated() }
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func unsigned() throws(PartitionProcessorError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw .badSnapshot("varint too long at byte \(index)") }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// An unsigned value that must fit `T` (counts, ids).
    public mutating func unsigned<T: FixedWidthInteger>(as: T.Type) throws(PartitionProcessorError) -> T {
        let v = try unsigned()
        guard let value = T(exactly: v) else { throw .badSnapshot("value \(v) out of range at byte \(index)") }
        return value
    }

    /// A count of following items, bounded by the bytes left so that junk cannot ask for
    /// huge allocations.
    public mutating func count() throws(PartitionProcessorError) -> Int {
        let v = try unsigned()
        guard v <= UInt64(bytes.count - index) else { throw .badSnapshot("count \(v) exceeds snapshot size") }
        return Int(v)
    }

    public mutating func signed() throws(PartitionProcessorError) -> Int64 {
        let v = try unsigned()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    public mutating func fixed64() throws(PartitionProcessorError) -> UInt64 {
        guard index + 8 <= bytes.count else { throw truncated() }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[index + k]) << UInt64(8 * k) }
        index += 8
        return v
    }

    public mutating func double() throws(PartitionProcessorError) -> Double {
        Double(bitPattern: try fixed64())
    }

    public mutating func bool() throws(PartitionProcessorError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw .badSnapshot("bad boolean at byte \(index - 1)")
        }
    }

    public mutating func string() throws(PartitionProcessorError) -> String {
        let length = try count()
        guard index + length <= bytes.count else { throw truncated() }
        defer { index += length }
        return String(decoding: bytes[index..<(index + length)], as: UTF8.self)
    }

    public mutating func optionalString() throws(PartitionProcessorError) -> String? {
        try bool() ? try string() : nil
    }

    /// A length-prefixed byte string.
    public mutating func byteString() throws(PartitionProcessorError) -> [UInt8] {
        try raw(try count())
    }

    public mutating func raw(_ count: Int) throws(PartitionProcessorError) -> [UInt8] {
        guard index + count <= bytes.count else { throw truncated() }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }
}
