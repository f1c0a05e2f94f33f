/// Open sessions of a partition, in reusable slots, kept apart from `UserState` so that a
/// user between sessions costs nothing here.
struct OpenSessionTable: Sendable {
    private(set) var sessions: [OpenSession] = []
    private(set) var freeSlots: [UInt32] = []
    /// Sessions longer than this many events are checked for duplicates through a set.
    private static let linearScanLimit = 32
    private var largeSets: [UInt32: Set<UInt64>] = [:]

    init() {}

    init(sessions: [OpenSession], freeSlots: [UInt32]) {
        self.sessions = sessions
        self.freeSlots = freeSlots
        for (i, s) in sessions.enumerated() where s.eventIDs.count > Self.linearScanLimit {
            largeSets[UInt32(i)] = Set(s.eventIDs)
        }
    }

    var openCount: Int { sessions.count - freeSlots.count }

    subscript(index: UInt32) -> OpenSession { sessions[Int(index)] }

    /// Opens a session with its first event; returns its index.
    mutating func open(at ts: Int64, eventID: UInt64, revenue: Double) -> UInt32 {
        var ids: [UInt64] = []
        // One allocation covers a typical visit instead of regrowing at 1, 2, 4 and 8 events.
        ids.reserveCapacity(8)
        ids.append(eventID)
        let session = OpenSession(start: ts, end: ts, events: 1, revenue: revenue, eventIDs: ids)
        if let index = freeSlots.popLast() {
            sessions[Int(index)] = session
            return index
        }
        sessions.append(session)
        return UInt32(sessions.count - 1)
    }

    func contains(_ index: UInt32, eventID: UInt64) -> Bool {
        let ids = sessions[Int(index)].eventIDs
        if ids.count <= Self.linearScanLimit { return ids.contains(eventID) }
        return largeSets[index]?.contains(eventID) ?? ids.contains(eventID)
    }

    mutating func extend(_ index: UInt32, at ts: Int64, eventID: UInt64, revenue: Double) {
        let i = Int(index)
        sessions[i].end = ts
        sessions[i].events += 1
        sessions[i].revenue += revenue
        sessions[i].eventIDs.append(eventID)
        if sessions[i].eventIDs.count > Self.linearScanLimit {
            if largeSets[index] == nil {
                largeSets[index] = Set(sessions[i].eventIDs)
            } else {
                largeSets[index]!.insert(eventID)
            }
        }
    }

    /// Frees a session slot (closed or dropped by `forget`).
    mutating func release(_ index: UInt32) {
        sessions[Int(index)] = OpenSession(start: 0, end: 0, events: 0, revenue: 0, eventIDs: [])
        largeSets[index] = nil
        freeSlots.append(index)
    }
}
