import Foundation
import RevisitCore
import RevisitKafka

/// What a task needs to take its partition over (SPEC 8): the state as of the last
/// checkpoint, read from the state topic, and the ids of the outputs already written after
/// that checkpoint, read from the output topics.
struct TaskRestorer {
    /// Reads the state topic.
    var stateReader: any PartitionLogReading
    /// Reads the output topics (and the input's bounds).
    var outputReader: any PartitionLogReading
    var stateTopic: String
    var inputTopic: String
    var outputTopics: [String]
    var rules: RetentionRules

    /// One restored partition.
    struct Restored {
        var processor: PartitionProcessor
        /// The checkpoint restored, nil for a partition never checkpointed.
        var checkpoint: Checkpoint?
        /// The epoch of the new owner: above every epoch in the state topic.
        var epoch: UInt64
        /// The outputs written after the checkpoint.
        var writtenIDs: WrittenOutputs
        /// Where the scan of each output partition started: the checkpoint's end offsets (or the
        /// log start), which the new owner's first checkpoint repeats.
        var outputScanStarts: [String: Int64]
        /// The end offset of each output partition when it was read.
        var outputHighs: [String: Int64]
        /// The first offset still in the input partition.
        var inputLowOffset: Int64
        /// Keys of the chunks of changes left in the state partition that the restored
        /// snapshot covers, and those after it (see ``StatePartitionLog``).
        var coveredChangeKeys: [String] = []
        var changeKeysSinceSnapshot: [String] = []
        var statistics: RestoreStatistics
    }

    /// Restores the given partitions together (their reads share one consumer each for the
    /// state and the output topics). `wallClock` is the processors' clock from now on.
    func restore(_ partitions: [Int32], wallClock: Int64) throws(PipelineError) -> [Int32: Restored] {
        let started = Date()
        var logs: [Int32: StatePartitionLog] = [:]
        var bytes: [Int32: Int] = [:]
        let stateBounds = try stateReader.read(Dictionary(uniqueKeysWithValues: partitions.map { (TopicPartition(stateTopic, $0), nil) })) { message throws(PipelineError) in
                let p = message.partition
                if logs[p] == nil { logs[p] = StatePartitionLog(logStart: message.offset) }
                bytes[p, default: 0] += message.value.count + (message.key?.count ?? 0)
                if let record = try StateRecord.decode(message) {
                    try logs[p]!.apply(record, offset: message.offset, partition: message.topicPartition)
                }
            }
        let stateSeconds = Date().timeIntervalSince(started)

        var results: [Int32: Restored] = [:]
        var scanStarts: [TopicPartition: Int64?] = [:]
        for p in partitions {
            let label = TopicPartition(stateTopic, p)
            var log = logs[p] ?? StatePartitionLog(logStart: stateBounds[label]?.low ?? 0)
            try log.finish(partition: label)
            let processor: PartitionProcessor
            do {
                if let checkpoint = log.lastCheckpoint {
                    var restored = try PartitionProcessor(
                        frame: checkpoint.frame, users: log.committed.map { ($0.key, $0.value) }, rules: rules)
                    restored.wallClock = wallClock
                    processor = restored
                } else {
                    processor = try PartitionProcessor(rules: rules, wallClock: wallClock, partition: Int(p))
                }
            } catch {
                throw PipelineError(
                    .corruptState, "cannot restore the state: \(error)", topic: stateTopic, partition: p)
            }
            var restored = Restored(
                processor: processor, checkpoint: log.lastCheckpoint, epoch: log.maxEpoch + 1, writtenIDs: WrittenOutputs(),
                outputScanStarts: [:], outputHighs: [:], inputLowOffset: 0,
                statistics: RestoreStatistics(
                    users: processor.userCount, records: log.records, bytes: bytes[p] ?? 0, seconds: stateSeconds,
                    ignoredRecords: log.zombieRecords, uncommittedUsers: log.uncommitted.count))
            restored.processor.tracksChanges = true
            restored.coveredChangeKeys = Array(log.coveredChangeKeys)
            restored.changeKeysSinceSnapshot = Array(log.changeKeysSinceSnapshot)
            for user in log.uncommitted.sorted() { restored.processor.markChanged(user) }
            results[p] = restored
            for topic in outputTopics {
                scanStarts[TopicPartition(topic, p)] = log.lastCheckpoint?.outputEnds[topic]
            }
        }

        // The input partitions are read by nobody here: only their bounds are wanted.
        for p in partitions { scanStarts[TopicPartition(inputTopic, p)] = .some(Int64.max) }
        let outputBounds = try outputReader.read(scanStarts) { message throws(PipelineError) in
                results[message.partition]!.writtenIDs.insert(WrittenOutputs.identity(of: message))
            }
        let seconds = Date().timeIntervalSince(started)
        for p in partitions {
            for topic in outputTopics {
                let bounds = outputBounds[TopicPartition(topic, p)]
                results[p]!.outputHighs[topic] = bounds?.high ?? 0
                results[p]!.outputScanStarts[topic] = results[p]!.checkpoint?.outputEnds[topic] ?? bounds?.low ?? 0
            }
            results[p]!.inputLowOffset = outputBounds[TopicPartition(inputTopic, p)]?.low ?? 0
            results[p]!.statistics.seconds = seconds
            results[p]!.statistics.outputsFound = results[p]!.writtenIDs.count
        }
        return results
    }
}

/// How long restoring took and what it read, per partition.
public struct RestoreStatistics: Sendable, Equatable {
    /// Users in the restored state.
    public var users: Int
    /// State-topic records read.
    public var records: Int
    /// Key and value bytes of those records.
    public var bytes: Int
    /// Wall-clock seconds of the whole restore (the partitions restored together share it).
    public var seconds: Double
    /// Records of a former owner written after a newer one had taken over (ignored).
    public var ignoredRecords: Int
    /// Users whose last record came after the last checkpoint (re-written by the new owner).
    public var uncommittedUsers: Int
    /// Outputs found already written after the checkpoint (not written again).
    public var outputsFound = 0
}
