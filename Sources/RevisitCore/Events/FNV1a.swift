/// FNV-1a 64: a small, fixed, platform-independent hash for ids that must be the same in
/// every run (event-id de-duplication, `alert_id`).
public struct FNV1a: Sendable {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    @inline(__always)
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    public mutating func combine<S: Sequence>(bytes: S) where S.Element == UInt8 {
        for byte in bytes { combine(byte) }
    }

    /// Hashes a string's UTF-8 bytes.
    public mutating func combine(_ string: String) {
        var copy = string
        copy.withUTF8 { for byte in $0 { combine(byte) } }
    }

    /// Hashes the little-endian bytes of an integer.
    public mutating func combine(_ integer: Int64) {
        var v = UInt64(bitPattern: integer)
        for _ in 0..<8 {
            combine(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// Hashes the bytes of a buffer.
    public mutating func combine(buffer: UnsafeRawBufferPointer) {
        for byte in buffer { combine(byte) }
    }

    /// The hash of a byte buffer.
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h = FNV1a()
        for byte in bytes { h.combine(byte) }
        return h.value
    }
}
