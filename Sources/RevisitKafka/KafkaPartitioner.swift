/// Kafka's default partitioner for keyed messages: `toPositive(murmur2(key)) % partitions`,
/// so a replay splits users exactly as a producer keyed by user id would.
public enum KafkaPartitioner {
    /// Kafka's murmur2 (seed 0x9747b28c), as in `org.apache.kafka.common.utils.Utils`.
    public static func murmur2(_ data: UnsafeRawBufferPointer) -> Int32 {
        let length = data.count
        let m: UInt32 = 0x5BD1_E995
        var h: UInt32 = 0x9747_B28C ^ UInt32(truncatingIfNeeded: length)
        let whole = length / 4
        for i in 0..<whole {
            let b = i * 4
            var k = UInt32(data[b]) | UInt32(data[b + 1]) << 8 | UInt32(data[b + 2]) << 16 | UInt32(data[b + 3]) << 24
            k = k &* m
            k ^= k >> 24
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = length & ~3
        switch length % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition of `key` among `count` partitions.
    public static func partition(of key: String, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var copy = key
        let hash = copy.withUTF8 { murmur2(UnsafeRawBufferPointer($0)) }
        return Int(UInt32(bitPattern: hash) & 0x7FFF_FFFF) % count
    }
}
