import Foundation
import RevisitCore
import RevisitKafka

/// What a topic replay sets up before it reads: the topics, the consumer, the offset range of
/// every partition, and where the outputs go.
extension TopicReplay {
    // MARK: - Topics and clients

    /// Checks the input (and, for a topic destination, makes sure the prefixed output topics
    /// exist with enough partitions and safe settings) and returns the input's partition count.
    func checkTopics() throws(ReplayError) -> Int {
        do {
            switch destination {
            case .topics(let prefix):
                let prepared = try PipelineTopics.prepare(
                    topics: topics.withOutputPrefix(prefix), stateTopic: nil, kafka: kafka,
                    inputPartitionsIfMissing: nil, creationConfigs: creationConfigs,
                    timeoutMilliseconds: metadataTimeoutMilliseconds)
                prepared.warnings.forEach(warn)
                return prepared.inputPartitions
            case .directory:
                return try PipelineTopics.inputPartitionCount(
                    of: topics.input, kafka: kafka, timeoutMilliseconds: metadataTimeoutMilliseconds)
            }
        } catch {
            throw .topics(error)
        }
    }

    /// A consumer outside any group: a replay reads the partitions it picks and commits nothing.
    ///
    /// - Parameter readers: how many such consumers read at once; they share the prefetch
    ///   of one, so that memory does not grow with ``readers``.
    func makeConsumer(readers: Int = 1) throws(ReplayError) -> KafkaConsumer {
        var configuration = KafkaConsumerConfiguration(kafka: kafka, groupID: nil)
        // An offset that retention deleted while the replay ran must stop it, not silently
        // move the partition to another offset.
        configuration.autoOffsetReset = .error
        // A reader's fetch finds nothing only at the end of a partition, and the mock cluster
        // holds such a fetch for all of fetch.wait.max.ms: the reader's next partition would
        // start that much later.
        configuration.fetchWaitMaxMilliseconds = 10
        configuration.prefetchMessages = max(10_000, configuration.prefetchMessages / max(1, readers))
        configuration.queuedMaxKilobytes = max(16_384, configuration.queuedMaxKilobytes / max(1, readers))
        do {
            return try KafkaConsumer(configuration: configuration)
        } catch {
            throw .kafka(error)
        }
    }

    /// For a replay into files: creates the directory and the output files, which the
    /// partitions' files are appended to at the end, and a directory in it for those.
    func makeOutputFiles() throws(ReplayError) -> (files: ReplayOutputFiles, partitionDirectory: String)? {
        guard case .directory(let directory) = destination else { return nil }
        // Hidden, and named for the process: two replays into one directory do not share it.
        let partitionDirectory = directory + "/.replay-partitions-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try FileManager.default.createDirectory(atPath: partitionDirectory, withIntermediateDirectories: true)
        } catch {
            throw .cannotOpen(path: partitionDirectory, reason: "\(error)")
        }
        return (try ReplayOutputFiles(directory: directory), partitionDirectory)
    }

    // MARK: - Ranges

    /// Every partition's range: from the start of the log or the offset for --from, to the
    /// high watermark now. All stop offsets are taken before reading starts, so messages
    /// produced during the replay are left out of every partition alike.
    ///
    /// - Returns: the ranges in partition order, and per partition the --from timestamp to
    ///   skip messages before where the broker could not resolve it (answered -1).
    func plan(_ consumer: KafkaConsumer, partitions count: Int) throws(ReplayError) -> (
        ranges: [ReplayProgress.Partition], skipBefore: [Int64?]
    ) {
        let partitions = (0..<Int32(count)).map { TopicPartition(topics.input, $0) }
        var watermarks: [(low: Int64, high: Int64)] = []
        var resolved: [TopicPartition: Int64?] = [:]
        do {
            for partition in partitions {
                watermarks.append(try consumer.watermarks(of: partition, timeoutMilliseconds: metadataTimeoutMilliseconds))
            }
            if case .timestamp(let from) = start {
                resolved = try consumer.offsets(forTimestamp: from, in: partitions, timeoutMilliseconds: metadataTimeoutMilliseconds)
            }
        } catch {
            throw .kafka(error)
        }
        var ranges: [ReplayProgress.Partition] = []
        var skipBefore: [Int64?] = []
        for (index, partition) in partitions.enumerated() {
            let (low, high) = watermarks[index]
            var first = low
            var floor: Int64?
            if case .timestamp(let from) = start {
                if let offset = resolved[partition] ?? nil {
                    first = max(low, offset)
                } else {
                    floor = from
                }
            }
            ranges.append(ReplayProgress.Partition(partition: partition.partition, startOffset: first, stopOffset: high))
            skipBefore.append(floor)
        }
        return (ranges, skipBefore)
    }

    // MARK: - Outputs

    /// Where a reader writes the records of the partition it reads, as they are emitted.
    enum Sink {
        /// The partition's own files (appended to the output files in partition order).
        case files(ReplayOutputFiles)
        /// The reader's own producer, into the prefixed topics.
        case topics(TopicOutputWriter)

        func write(from processor: inout PartitionProcessor, partition: Int32) throws(ReplayError) {
            switch self {
            case .files(let files): try files.write(from: &processor)
            case .topics(let writer): try writer.write(from: &processor, partition: partition)
            }
        }

        /// Takes delivery reports that arrived (topics only), failing on the first failed one.
        func checkDeliveries() throws(ReplayError) {
            if case .topics(let writer) = self { try writer.checkDeliveries() }
        }
    }
}
