import RevisitCore
import Testing
@testable import RevisitRuntime

/// How a task cuts its users' records into state messages.
@Suite struct StateChunkerTests {
    @Test func aChunkClosesWithTheEntryThatReachesItsSize() {
        let entry = StateRecord.entryBytes(userID: "u1", recordBytes: 10)
        var chunker = StateChunker<[UInt8]>(chunkBytes: 3 * entry)
        #expect(chunker.add("u1", Array(repeating: 1, count: 10), recordBytes: 10) == nil)
        #expect(chunker.add("u2", Array(repeating: 2, count: 10), recordBytes: 10) == nil)
        let chunk = chunker.add("u3", Array(repeating: 3, count: 10), recordBytes: 10)
        #expect(chunk?.map(\.userID) == ["u1", "u2", "u3"])
        #expect(chunker.isEmpty)
        // One byte short of the size: the chunk stays open.
        var short = StateChunker<[UInt8]>(chunkBytes: 3 * entry + 1)
        for user in ["u1", "u2", "u3"] { #expect(short.add(user, Array(repeating: 0, count: 10), recordBytes: 10) == nil) }
        #expect(!short.isEmpty)
        #expect(short.take().count == 3)
        #expect(short.isEmpty)
        #expect(short.totalBytes == 3 * entry)
    }

    @Test func totalBytesCoverEveryChunk() {
        var chunker = StateChunker<[UInt8]?>(chunkBytes: 64)
        var chunks: [[StateChunker<[UInt8]?>.Entry]] = []
        var expected = 0
        for i in 0..<100 {
            let record: [UInt8]? = i % 7 == 0 ? nil : Array(repeating: UInt8(i), count: i % 13)
            expected += StateRecord.entryBytes(userID: "user-\(i)", recordBytes: record?.count ?? 0)
            if let chunk = chunker.add("user-\(i)", record, recordBytes: record?.count ?? 0) { chunks.append(chunk) }
        }
        if !chunker.isEmpty { chunks.append(chunker.take()) }
        #expect(chunks.flatMap { $0.map(\.userID) } == (0..<100).map { "user-\($0)" })
        #expect(chunker.totalBytes == expected)
    }

    /// The estimate chunks are sized by bounds what an entry adds to the encoded message.
    @Test(arguments: [0, 1, 127, 128, 16_383, 16_384, 100_000])
    func entryBytesBoundTheEncodedEntry(recordBytes: Int) {
        let user = String(repeating: "x", count: 200)
        let record = Array(repeating: UInt8(7), count: recordBytes)
        func size(_ users: [(userID: String, record: [UInt8]?)]) -> Int {
            StateRecord.changes(sequence: 1, users: users, epoch: 1).message(topic: "t", partition: 0).value!.count
        }
        func snapshotSize(_ users: [(userID: String, record: [UInt8])]) -> Int {
            StateRecord.snapshotChunk(snapshotID: 1, index: 0, users: users, epoch: 1).message(topic: "t", partition: 0).value!.count
        }
        let bound = StateRecord.entryBytes(userID: user, recordBytes: recordBytes)
        #expect(size([(user, record)]) - size([]) <= bound)
        #expect(snapshotSize([(user, record)]) - snapshotSize([]) <= bound)
        #expect(size([(user, nil)]) - size([]) <= StateRecord.entryBytes(userID: user, recordBytes: 0))
    }
}
