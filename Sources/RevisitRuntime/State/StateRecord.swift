import RevisitCore
import RevisitKafka

/// The records of the state topic `<application id>.state` (SPEC 8), one partition per task.
///
/// | record | key | value |
/// |---|---|---|
/// | the users changed since the last checkpoint | `d:<epoch>:<sequence>` | header, then (user id, user record or erasure) entries |
/// | a snapshot chunk | `s:<snapshot id>:<index>` | header, then (user id, user record) pairs |
/// | a checkpoint | `c:<epoch>` | header, then the ``Checkpoint`` |
/// | a user's state (format 1) | `u:<user id>` | header, then the user record |
/// | a user erased by `forget` (format 1) | `u:<user id>` | none (a tombstone); the epoch in header `revisit.epoch` |
///
/// A value starts with the magic `RS`, the record format version and the kind, then the
/// writer's epoch. Keys are chosen for compaction on a real cluster: each snapshot's chunks
/// and each chunk of changes are tombstoned once a newer snapshot is complete, and the last
/// checkpoint of each epoch survives. Format 1 wrote one record per changed user; format 2
/// writes them in chunks of changes, which costs a fraction of the messages.
public enum StateRecord: Sendable, Equatable {
    case user(userID: String, record: [UInt8], epoch: UInt64)
    case erased(userID: String, epoch: UInt64)
    case snapshotChunk(snapshotID: UInt64, index: Int, users: [(userID: String, record: [UInt8])], epoch: UInt64)
    /// Users changed since the last checkpoint: a record each, nil for a user erased.
    case changes(sequence: UInt64, users: [(userID: String, record: [UInt8]?)], epoch: UInt64)
    case checkpoint(Checkpoint)
    /// The tombstone of a chunk of a snapshot a newer one replaced (only written: a restore
    /// skips chunk tombstones).
    case retiredChunk(snapshotID: UInt64, index: Int)
    /// The tombstone of a chunk of changes a newer snapshot covers, by key.
    case retiredChanges(key: String)

    static let magic: [UInt8] = Array("RS".utf8)
    /// The record format this build writes.
    public static let formatVersion: UInt64 = 2
    /// The formats this build reads.
    public static let readableVersions: ClosedRange<UInt64> = 1...2
    static let epochHeader = "revisit.epoch"

    /// The epoch of the owner that wrote the record.
    public var epoch: UInt64 {
        switch self {
        case .user(_, _, let epoch), .erased(_, let epoch), .snapshotChunk(_, _, _, let epoch), .changes(_, _, let epoch): epoch
        case .checkpoint(let checkpoint): checkpoint.epoch
        case .retiredChunk, .retiredChanges: 0
        }
    }

    public static func == (lhs: StateRecord, rhs: StateRecord) -> Bool {
        lhs.message(topic: "", partition: 0).key == rhs.message(topic: "", partition: 0).key
            && lhs.message(topic: "", partition: 0).value == rhs.message(topic: "", partition: 0).value
    }

    // MARK: - Encoding

    /// The message for partition `partition` of the state topic.
    public func message(topic: String, partition: Int32) -> OutgoingMessage {
        switch self {
        case .user(let user, let record, let epoch):
            var w = Self.header(kind: 0x55, epoch: epoch)
            w.raw(record)
            return OutgoingMessage(topic: topic, partition: partition, key: Array("u:\(user)".utf8), value: w.bytes)
        case .erased(let user, let epoch):
            return OutgoingMessage(
                topic: topic, partition: partition, key: Array("u:\(user)".utf8), value: nil,
                headers: [KafkaHeader(name: Self.epochHeader, string: String(epoch))])
        case .snapshotChunk(let id, let index, let users, let epoch):
            var w = Self.header(kind: 0x53, epoch: epoch, reserving: users.reduce(24) { $0 + Self.entryBytes(userID: $1.userID, recordBytes: $1.record.count) })
            w.unsigned(id)
            w.unsigned(index)
            w.unsigned(users.count)
            for (user, record) in users {
                w.string(user)
                w.byteString(record)
            }
            return OutgoingMessage(topic: topic, partition: partition, key: Self.snapshotKey(id, index), value: w.bytes)
        case .changes(let sequence, let users, let epoch):
            var w = Self.header(kind: 0x44, epoch: epoch, reserving: users.reduce(24) { $0 + Self.entryBytes(userID: $1.userID, recordBytes: $1.record?.count ?? 0) })
            w.unsigned(users.count)
            for (user, record) in users {
                w.string(user)
                w.bool(record != nil)
                if let record { w.byteString(record) }
            }
            return OutgoingMessage(
                topic: topic, partition: partition, key: Array(Self.changesKey(epoch: epoch, sequence: sequence).utf8),
                value: w.bytes)
        case .checkpoint(let checkpoint):
            var w = Self.header(kind: 0x43, epoch: checkpoint.epoch)
            checkpoint.encode(into: &w)
            return OutgoingMessage(topic: topic, partition: partition, key: Array("c:\(checkpoint.epoch)".utf8), value: w.bytes)
        case .retiredChunk(let id, let index):
            return OutgoingMessage(topic: topic, partition: partition, key: Self.snapshotKey(id, index), value: nil)
        case .retiredChanges(let key):
            return OutgoingMessage(topic: topic, partition: partition, key: Array(key.utf8), value: nil)
        }
    }

    /// The bytes one user's entry takes in a snapshot chunk or a chunk of changes, at most
    /// (for ids and records under 2 MiB): its id and record, their length prefixes and the
    /// flag telling an erased user. Chunks are sized by it, and their buffers reserved.
    static func entryBytes(userID: String, recordBytes: Int) -> Int {
        userID.utf8.count + recordBytes + 7
    }

    /// The key of a chunk of changes.
    public static func changesKey(epoch: UInt64, sequence: UInt64) -> String { "d:\(epoch):\(sequence)" }

    /// The key of a snapshot chunk.
    public static func snapshotKey(_ id: UInt64, _ index: Int) -> [UInt8] { Array("s:\(id):\(index)".utf8) }

    /// A writer holding the record header, with room for `capacity` bytes in all.
    private static func header(kind: UInt8, epoch: UInt64, reserving capacity: Int = 32) -> SnapshotWriter {
        var w = SnapshotWriter(reservingCapacity: capacity)
        w.raw(magic)
        w.unsigned(formatVersion)
        w.raw([kind])
        w.unsigned(epoch)
        return w
    }

    // MARK: - Decoding

    /// Reads a state-topic message; nil for a tombstone of a snapshot chunk, which restoring
    /// ignores.
    public static func decode(_ message: ConsumedMessage) throws(PipelineError) -> StateRecord? {
        func corrupt(_ reason: String) -> PipelineError {
            PipelineError(.corruptState, reason, topic: message.topic, partition: message.partition, offset: message.offset)
        }
        guard let key = message.key, let keyText = String(validating: key, as: UTF8.self) else {
            throw corrupt("state record without a readable key")
        }
        if message.value.isEmpty {
            if keyText.hasPrefix("s:") { return nil }
            if keyText.hasPrefix("d:") { return .retiredChanges(key: keyText) }
            guard keyText.hasPrefix("u:"),
                  let epochText = message.headers.first(where: { $0.name == epochHeader })?.value,
                  let epoch = UInt64(String(decoding: epochText, as: UTF8.self))
            else { throw corrupt("tombstone with key \(keyText) is not a Revisit erasure") }
            return .erased(userID: String(keyText.dropFirst(2)), epoch: epoch)
        }
        do {
            var r = SnapshotReader(message.value)
            guard try r.raw(2) == magic else { throw PartitionProcessorError.badSnapshot("not a Revisit state record") }
            let version = try r.unsigned()
            guard readableVersions.contains(version) else {
                throw PartitionProcessorError.badSnapshot(
                    "state record format \(version) is newer than this build reads (\(readableVersions.upperBound)); run a build at least as new as the one that wrote it")
            }
            let kind = try r.byte()
            let epoch = try r.unsigned()
            switch kind {
            case 0x55:
                guard keyText.hasPrefix("u:") else { throw PartitionProcessorError.badSnapshot("user record under key \(keyText)") }
                return .user(userID: String(keyText.dropFirst(2)), record: try r.raw(message.value.count - r.position), epoch: epoch)
            case 0x53:
                let id = try r.unsigned()
                let index = try r.unsigned(as: Int.self)
                var users: [(userID: String, record: [UInt8])] = []
                for _ in 0..<(try r.count()) { users.append((try r.string(), try r.byteString())) }
                return .snapshotChunk(snapshotID: id, index: index, users: users, epoch: epoch)
            case 0x44:
                let prefix = "d:\(epoch):"
                guard keyText.hasPrefix(prefix), let sequence = UInt64(keyText.dropFirst(prefix.count)) else {
                    throw PartitionProcessorError.badSnapshot("changes under key \(keyText)")
                }
                var users: [(userID: String, record: [UInt8]?)] = []
                for _ in 0..<(try r.count()) {
                    let user = try r.string()
                    switch try r.byte() {
                    case 0: users.append((user, nil))
                    case 1: users.append((user, try r.byteString()))
                    case let flag: throw PartitionProcessorError.badSnapshot("change of user \(user) with flag \(flag)")
                    }
                }
                return .changes(sequence: sequence, users: users, epoch: epoch)
            case 0x43:
                var checkpoint = try Checkpoint.decode(from: &r)
                checkpoint.epoch = epoch
                return .checkpoint(checkpoint)
            default:
                throw PartitionProcessorError.badSnapshot("unknown record kind \(kind)")
            }
        } catch {
            throw corrupt("state record with key \(keyText): \(error)")
        }
    }
}
