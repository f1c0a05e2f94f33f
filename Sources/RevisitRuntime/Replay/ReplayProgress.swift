import Foundation

/// Where a topic replay stands: per input partition, the offsets it reads and how far it got.
///
/// A topic replay reads all its partitions at once: each has its own share of the range
/// looked at.
public struct ReplayProgress: Sendable, Equatable {
    /// One input partition's range and position.
    public struct Partition: Sendable, Equatable {
        public var partition: Int32
        /// The first offset to read: the start of the log, or the broker's answer for `--from`.
        public var startOffset: Int64
        /// The high watermark when the replay began: reading stops before it.
        public var stopOffset: Int64
        /// The offset after the last message looked at (read, or skipped before `--from`).
        public var position: Int64
        /// The first and last offsets processed, nil while none was.
        public var firstProcessed: Int64?
        public var lastProcessed: Int64?
        /// Messages handed to the processor.
        public var processed: UInt64 = 0
        /// Messages passed over because their timestamp is before `--from` (a broker that
        /// cannot answer offsets-for-times makes the replay scan from the start of the log).
        public var skippedBeforeFrom: UInt64 = 0
        /// Reading stopped at a message whose timestamp is after `--to`, before ``stopOffset``.
        public var stoppedAtTo = false
        public var isDone = false

        public init(partition: Int32, startOffset: Int64, stopOffset: Int64) {
            self.partition = partition
            self.startOffset = startOffset
            self.stopOffset = max(startOffset, stopOffset)
            self.position = startOffset
        }

        /// Offsets of the range not looked at yet (none once done).
        public var remainingOffsets: Int64 { isDone ? 0 : max(0, stopOffset - position) }

        /// The share of the range looked at, from 0 to 1.
        public var fraction: Double {
            if isDone || stopOffset <= startOffset { return 1 }
            return Double(position - startOffset) / Double(stopOffset - startOffset)
        }

        /// `events/3: offsets 120..4711 (4592 messages)`, and what stopped or skipped.
        public func rangeText(topic: String) -> String {
            var text = "\(topic)/\(partition): "
            if let first = firstProcessed, let last = lastProcessed {
                text += "offsets \(first)..\(last) (\(processed) message\(processed == 1 ? "" : "s"))"
            } else {
                text += "nothing in range (log offsets \(startOffset)..<\(stopOffset))"
            }
            if skippedBeforeFrom > 0 { text += ", \(skippedBeforeFrom) skipped before --from" }
            if stoppedAtTo { text += ", stopped at offset \(position) (after --to)" }
            return text
        }
    }

    public var topic: String
    public var partitions: [Partition]
    /// True while the partitions are read; false in the report at the end.
    public var isReading: Bool
    public var elapsedSeconds: Double

    public init(topic: String, partitions: [Partition], isReading: Bool = false, elapsedSeconds: Double = 0) {
        self.topic = topic
        self.partitions = partitions
        self.isReading = isReading
        self.elapsedSeconds = elapsedSeconds
    }

    /// Partitions read to their end (or to --to).
    public var partitionsDone: Int { partitions.filter(\.isDone).count }

    /// Messages handed to the processors so far.
    public var processed: UInt64 { partitions.reduce(0) { $0 + $1.processed } }

    public var totalOffsets: Int64 { partitions.reduce(0) { $0 + ($1.stopOffset - $1.startOffset) } }

    public var remainingOffsets: Int64 { partitions.reduce(0) { $0 + $1.remainingOffsets } }

    /// The share of all offsets looked at, from 0 to 1.
    public var fraction: Double {
        let total = totalOffsets
        return total > 0 ? Double(total - remainingOffsets) / Double(total) : 1
    }

    public var eventsPerSecond: Double { elapsedSeconds > 0 ? Double(processed) / elapsedSeconds : 0 }

    /// Seconds left at the rate so far (offsets looked at per second), nil before there is a rate.
    public var etaSeconds: Double? {
        let done = totalOffsets - remainingOffsets
        guard done > 0, elapsedSeconds > 0 else { return nil }
        return Double(remainingOffsets) / (Double(done) / elapsedSeconds)
    }

    /// One line for a log: `replay events: 45.2% (12210 of 27000 offsets), 3 of 8 partitions read,
    /// 98765 events/s, ETA 12 s`.
    public var line: String {
        var text = "replay \(topic): " + String(format: "%.1f%%", fraction * 100)
            + " (\(totalOffsets - remainingOffsets) of \(totalOffsets) offsets)"
        text += ", \(partitionsDone) of \(partitions.count) partitions read"
        text += String(format: ", %.0f events/s", eventsPerSecond)
        if let eta = etaSeconds, remainingOffsets > 0 { text += ", ETA " + Self.duration(eta) }
        return text
    }

    /// `42 s`, `3 min 05 s`, `2 h 10 min`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }
}
