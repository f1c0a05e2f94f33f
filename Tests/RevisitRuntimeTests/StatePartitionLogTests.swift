import RevisitCore
import RevisitKafka
import Testing
@testable import RevisitRuntime

/// The rules by which a task restores its partition from the state topic, record by record.
@Suite struct StatePartitionLogTests {
    static let partition = TopicPartition("revisit.state", 3)

    static func checkpoint(epoch: UInt64, input: Int64, snapshot: SnapshotReference? = nil, completes: Bool = false) -> StateRecord {
        .checkpoint(Checkpoint(
            epoch: epoch, inputOffset: input, rebufferOffset: input - 1, outputEnds: ["revisit.alerts": 7],
            snapshot: snapshot, completesSnapshot: completes, frame: [1, 2, 3], writtenAt: 1_700_000_000_000))
    }

    /// Sends each record through its Kafka form, as a restore reads it.
    static func replay(_ records: [StateRecord], logStart: Int64 = 0) throws(PipelineError) -> StatePartitionLog {
        var log = StatePartitionLog(logStart: logStart)
        for (i, record) in records.enumerated() {
            let message = record.message(topic: partition.topic, partition: partition.partition)
            let consumed = ConsumedMessage(
                topicPartition: partition, offset: logStart + Int64(i), timestamp: nil, key: message.key,
                value: message.value ?? [], headers: message.headers)
            if let decoded = try StateRecord.decode(consumed) {
                try log.apply(decoded, offset: consumed.offset, partition: partition)
            }
        }
        try log.finish(partition: partition)
        return log
    }

    @Test func recordsCountOnlyOnceACheckpointFollows() throws {
        let log = try Self.replay([
            .user(userID: "a", record: [1], epoch: 1),
            .user(userID: "b", record: [2], epoch: 1),
            Self.checkpoint(epoch: 1, input: 10),
            .user(userID: "a", record: [3], epoch: 1),
            .erased(userID: "b", epoch: 1),
            Self.checkpoint(epoch: 1, input: 20),
            .user(userID: "c", record: [4], epoch: 1),
        ])
        #expect(log.committed == ["a": [3]])
        #expect(log.lastCheckpoint?.inputOffset == 20)
        #expect(log.lastCheckpoint?.outputEnds == ["revisit.alerts": 7])
        #expect(log.uncommitted == ["c"])
        #expect(log.maxEpoch == 1)
    }

    @Test func aNewOwnerDropsTheUncommittedTailAndZombiesAreIgnored() throws {
        let log = try Self.replay([
            .user(userID: "a", record: [1], epoch: 1),
            Self.checkpoint(epoch: 1, input: 10),
            .user(userID: "a", record: [9], epoch: 1),
            .user(userID: "z", record: [9], epoch: 1),
            Self.checkpoint(epoch: 2, input: 10),
            // The former owner is still writing after the new one took over.
            .user(userID: "a", record: [8], epoch: 1),
            Self.checkpoint(epoch: 1, input: 30),
            .user(userID: "b", record: [5], epoch: 2),
            Self.checkpoint(epoch: 2, input: 15),
        ])
        #expect(log.committed == ["a": [1], "b": [5]])
        #expect(log.lastCheckpoint?.inputOffset == 15)
        #expect(log.uncommitted == ["a", "z"])
        #expect(log.zombieRecords == 2)
        #expect(log.maxEpoch == 2)
    }

    @Test func aCompleteSnapshotReplacesTheState() throws {
        let log = try Self.replay([
            .user(userID: "gone", record: [1], epoch: 1),
            Self.checkpoint(epoch: 1, input: 5),
            .snapshotChunk(snapshotID: 1, index: 0, users: [("a", [1]), ("b", [2])], epoch: 1),
            .snapshotChunk(snapshotID: 1, index: 1, users: [("c", [3])], epoch: 1),
            Self.checkpoint(epoch: 1, input: 9, snapshot: SnapshotReference(id: 1, chunks: 2), completes: true),
            .user(userID: "a", record: [7], epoch: 1),
            Self.checkpoint(epoch: 1, input: 12, snapshot: SnapshotReference(id: 1, chunks: 2)),
        ])
        #expect(log.committed == ["a": [7], "b": [2], "c": [3]])
    }

    @Test func chunksOfChangesCountOnceACheckpointFollowsAndAreListedUntilTombstoned() throws {
        let snapshot = SnapshotReference(id: 1, chunks: 1)
        let log = try Self.replay([
            .changes(sequence: 0, users: [("a", [1]), ("b", [2])], epoch: 1),
            Self.checkpoint(epoch: 1, input: 10),
            .changes(sequence: 1, users: [("a", [3]), ("b", nil)], epoch: 1),
            Self.checkpoint(epoch: 1, input: 20),
            .snapshotChunk(snapshotID: 1, index: 0, users: [("a", [3])], epoch: 1),
            Self.checkpoint(epoch: 1, input: 25, snapshot: snapshot, completes: true),
            // The snapshot covers the first two chunks; the first is tombstoned already.
            .retiredChanges(key: StateRecord.changesKey(epoch: 1, sequence: 0)),
            .changes(sequence: 2, users: [("c", [4])], epoch: 1),
            Self.checkpoint(epoch: 1, input: 30, snapshot: snapshot),
            // Written, but the owner died before its checkpoint.
            .changes(sequence: 3, users: [("a", [9]), ("d", [9])], epoch: 1),
        ])
        #expect(log.committed == ["a": [3], "c": [4]])
        #expect(log.uncommitted == ["a", "d"])
        #expect(Array(log.coveredChangeKeys) == ["d:1:1"])
        #expect(Array(log.changeKeysSinceSnapshot) == ["d:1:2", "d:1:3"])
    }

    @Test func formatOneRecordsStillRead() throws {
        // A format-1 user record: magic, version 1, kind U, epoch 1, then the user record.
        let message = ConsumedMessage(
            topicPartition: Self.partition, offset: 0, timestamp: nil, key: Array("u:a".utf8),
            value: Array("RS".utf8) + [1, 0x55, 1, 7, 7])
        #expect(try StateRecord.decode(message) == .user(userID: "a", record: [7, 7], epoch: 1))
        let newer = ConsumedMessage(
            topicPartition: Self.partition, offset: 0, timestamp: nil, key: Array("u:a".utf8),
            value: Array("RS".utf8) + [3, 0x55, 1, 7])
        #expect(throws: PipelineError.self) { try StateRecord.decode(newer) }
    }

    @Test func anIncompleteSnapshotIsCorruptState() {
        #expect {
            try Self.replay([
                .snapshotChunk(snapshotID: 4, index: 1, users: [("c", [3])], epoch: 1),
                Self.checkpoint(epoch: 1, input: 9, snapshot: SnapshotReference(id: 4, chunks: 2), completes: true),
            ])
        } throws: { ($0 as? PipelineError)?.kind == .corruptState }
    }

    @Test func stateWhoseBaseWasDeletedIsRefused() throws {
        // Retention deleted the beginning and no snapshot follows: the state cannot be trusted.
        #expect {
            try Self.replay([.user(userID: "a", record: [1], epoch: 1), Self.checkpoint(epoch: 1, input: 10)], logStart: 500)
        } throws: { ($0 as? PipelineError)?.kind == .stateLost }
        // A complete snapshot after the log start is a base of its own.
        let log = try Self.replay([
            .snapshotChunk(snapshotID: 2, index: 0, users: [("a", [1])], epoch: 1),
            Self.checkpoint(epoch: 1, input: 9, snapshot: SnapshotReference(id: 2, chunks: 1), completes: true),
        ], logStart: 500)
        #expect(log.committed == ["a": [1]])
    }

    @Test func foreignRecordsAreCorruptNotCrashes() {
        for value: [UInt8] in [[], [0x52, 0x53], Array("RS".utf8) + [9, 0x55, 1], Array("hello".utf8)] {
            let message = ConsumedMessage(topicPartition: Self.partition, offset: 4, timestamp: nil, key: Array("u:a".utf8), value: value)
            #expect(throws: PipelineError.self) { try StateRecord.decode(message) }
        }
    }
}
