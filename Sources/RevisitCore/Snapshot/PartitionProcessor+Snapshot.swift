// MARK: - Whole-state snapshots

/// A partition's complete state as one byte array: the frame, every user record and the
/// events waiting in the reorder buffer (see `PartitionProcessor+State.swift` for the
/// parts). Restoring it and feeding the same subsequent input gives the same outputs as
/// never having stopped. Outputs not yet taken with `takeOutputs()` are not part of a
/// snapshot: take them first.
///
/// Layout (version 2): magic `RVSP`, version, the frame, the user records (id and record),
/// then the buffered events in release order.
extension PartitionProcessor {
    static let snapshotMagic: [UInt8] = Array("RVSP".utf8)
    /// The snapshot format version this code writes and reads.
    public static let snapshotVersion: UInt64 = 2

    /// The processor's state as a compact versioned binary snapshot.
    public func exportSnapshot() -> [UInt8] {
        var w = SnapshotWriter()
        w.raw(Self.snapshotMagic)
        w.unsigned(Self.snapshotVersion)
        w.byteString(exportFrame())
        w.unsigned(userCount)
        forEachUserRecord { id, record in
            w.string(id)
            w.byteString(record)
        }
        let events = buffer.sortedEvents
        w.unsigned(events.count)
        for e in events {
            w.signed(e.timestamp)
            w.unsigned(e.sequence)
            w.string(e.userID)
            w.fixed64(e.eventIDHash)
            w.unsigned(e.kind.rawValue)
            w.unsigned(e.zone)
            w.double(e.revenue)
            w.optionalString(e.campaign)
            w.optionalString(e.variant)
            w.signed(e.origin)
        }
        return w.bytes
    }

    /// A processor restored from `exportSnapshot()` output, with the same `rules`.
    public init(snapshot: [UInt8], rules: RetentionRules) throws(PartitionProcessorError) {
        var r = SnapshotReader(snapshot)
        guard try r.raw(4) == Self.snapshotMagic else { throw .badSnapshot("not a Revisit partition snapshot") }
        let version = try r.unsigned()
        guard version == Self.snapshotVersion else { throw .badSnapshot("unsupported snapshot version \(version)") }
        let frame = try r.byteString()
        var users: [(userID: String, record: [UInt8])] = []
        for _ in 0..<(try r.count()) { users.append((try r.string(), try r.byteString())) }
        try self.init(frame: frame, users: users, rules: rules)
        let zoneCount = operators.zones.names.count
        var events: [TimedEvent] = []
        for _ in 0..<(try r.count()) {
            let ts = try r.signed()
            let sequence = try r.unsigned()
            let user = try r.string()
            let hash = try r.fixed64()
            guard let kind = EventKind(rawValue: try r.unsigned(as: UInt8.self)) else { throw .badSnapshot("bad event kind") }
            let zone = try r.unsigned(as: UInt16.self)
            guard zone == ZoneRegistry.none || Int(zone) < zoneCount else { throw .badSnapshot("bad zone id") }
            events.append(TimedEvent(
                timestamp: ts, sequence: sequence, userID: user, eventIDHash: hash, kind: kind, zone: zone,
                revenue: try r.double(), campaign: try r.optionalString(), variant: try r.optionalString(),
                origin: try r.signed()))
        }
        buffer = ReorderBuffer(events: events)
        guard r.isAtEnd else { throw .badSnapshot("trailing bytes") }
    }
}
