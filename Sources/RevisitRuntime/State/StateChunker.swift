/// Gathers user entries (a user id and its record) into chunks of about a byte size, as a
/// task writes a snapshot and the changes of a checkpoint: a few large state messages
/// instead of one per user.
struct StateChunker<Record> {
    typealias Entry = (userID: String, record: Record)

    /// A chunk is complete once its entries take at least this many bytes.
    let chunkBytes: Int
    private var entries: [Entry] = []
    private var bytes = 0
    /// The bytes of every entry added, in all chunks.
    private(set) var totalBytes = 0

    init(chunkBytes: Int) {
        self.chunkBytes = chunkBytes
    }

    /// Whether entries were added since the last chunk was taken.
    var isEmpty: Bool { entries.isEmpty }

    /// Adds an entry whose record takes `recordBytes`; returns the chunk it completes, if any.
    mutating func add(_ userID: String, _ record: Record, recordBytes: Int) -> [Entry]? {
        entries.append((userID, record))
        let size = StateRecord.entryBytes(userID: userID, recordBytes: recordBytes)
        bytes += size
        totalBytes += size
        return bytes >= chunkBytes ? take() : nil
    }

    /// The entries added since the last chunk, as a chunk.
    mutating func take() -> [Entry] {
        defer {
            entries = []
            bytes = 0
        }
        return entries
    }
}
