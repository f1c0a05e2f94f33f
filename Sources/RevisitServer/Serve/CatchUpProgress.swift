import RevisitKafka

/// How far reading the topics has come against the end offsets they had at start: the
/// process is ready (`/readyz`) once every partition has been read to that end.
///
/// Messages produced after the start do not move the target, so a busy topic cannot keep
/// the process from becoming ready.
public struct CatchUpProgress: Sendable {
    /// Per partition: the next offset to read and the end offset at start.
    private var remaining: [TopicPartition: (next: Int64, end: Int64)]
    /// Messages to read at start, for the progress shown while catching up.
    public let total: Int64

    /// `bounds`: each partition's low and high watermark at start.
    public init(bounds: [TopicPartition: (low: Int64, high: Int64)]) {
        var remaining: [TopicPartition: (next: Int64, end: Int64)] = [:]
        var total: Int64 = 0
        for (partition, bound) in bounds where bound.high > bound.low {
            remaining[partition] = (bound.low, bound.high)
            total += bound.high - bound.low
        }
        self.remaining = remaining
        self.total = total
    }

    /// Records that the message at `offset` of `partition` was read.
    public mutating func read(_ partition: TopicPartition, offset: Int64) {
        guard let entry = remaining[partition] else { return }
        if offset + 1 >= entry.end {
            remaining[partition] = nil
        } else if offset + 1 > entry.next {
            remaining[partition] = (offset + 1, entry.end)
        }
    }

    /// Whether every partition has been read to its end offset at start.
    public var isCaughtUp: Bool { remaining.isEmpty }

    /// Messages still to read before the process is ready (offsets; compaction may have left
    /// fewer messages).
    public var messagesLeft: Int64 {
        remaining.values.reduce(0) { $0 + ($1.end - $1.next) }
    }

    /// The partitions not read to their end yet, in order.
    public var unfinished: [TopicPartition] { remaining.keys.sorted() }
}
