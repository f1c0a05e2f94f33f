import RevisitCore

/// What a topic replay did: the counts of a file replay, plus the offsets read per partition.
public struct TopicReplaySummary: Sendable {
    /// Events read (messages handed to the processors), applied, duplicates, dead letters,
    /// users, records written, elapsed time.
    public var replay: ReplaySummary
    public var topic: String
    /// Per input partition, in partition order: the range read and where it stopped.
    public var partitions: [ReplayProgress.Partition]

    public init(replay: ReplaySummary, topic: String, partitions: [ReplayProgress.Partition]) {
        self.replay = replay
        self.topic = topic
        self.partitions = partitions
    }

    /// Messages passed over because their timestamp is before `--from`.
    public var skippedBeforeFrom: UInt64 { partitions.reduce(0) { $0 + $1.skippedBeforeFrom } }

    /// The multi-line human summary: ``ReplaySummary/text``, then one line per partition.
    public var text: String {
        var lines = [replay.text]
        if let end = replay.asOf { lines.append("as of:         \(EventTime.format(end))") }
        lines.append("offsets read:")
        for partition in partitions { lines.append("  " + partition.rangeText(topic: topic)) }
        return lines.joined(separator: "\n")
    }
}
