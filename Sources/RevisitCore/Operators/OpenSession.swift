/// A session still open: its extent, counts and the ids of the events applied to it
/// (for duplicate detection, SPEC 1).
struct OpenSession: Sendable, Equatable {
    var start: Int64
    var end: Int64
    var events: UInt32
    var revenue: Double
    /// FNV-1a 64 hashes of the event ids applied to this session.
    var eventIDs: [UInt64]
}
