/// Writes the compact binary form of snapshots: LEB128 varints, zigzag for signed values,
/// doubles as their 8-byte bit pattern, strings as length + UTF-8.
public struct SnapshotWriter {
    public private(set) var bytes: [UInt8] = []

    /// A writer whose buffer has room for `capacity` bytes before it grows.
    public init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func unsigned(_ value: UInt64) {
        // Most values (counts, flags, small deltas) take one byte.
        if value < 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value))
            return
        }
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    public mutating func unsigned<T: BinaryInteger>(_ value: T) { unsigned(UInt64(value)) }

    public mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func double(_ value: Double) { fixed64(value.bitPattern) }

    /// Eight bytes, little-endian.
    public mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func string(_ value: String) {
        unsigned(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    public mutating func optionalString(_ value: String?) {
        bool(value != nil)
        if let value { string(value) }
    }

    public mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// A length-prefixed byte string.
    public mutating func byteString(_ value: [UInt8]) {
        unsigned(UInt64(value.count))
        bytes.append(contentsOf: value)
    }
}
