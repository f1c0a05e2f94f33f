/// Open sessions of a partition, in reusable slots, kept apart from `UserState` so that a
/// user between sessions costs nothing here.
///
/// The first eight event-id hashes of each session sit in a flat array at a fixed place per
/// slot: a typical visit is checked for duplicates and extended with loads that depend only
/// on the slot index, never on a pointer read first. Later ids go to an overflow array, and
/// sessions longer than `linearScanLimit` events are checked through a set.
struct OpenSessionTable: Sendable {
    private struct Slot: Sendable {
        var session: OpenSession
        /// Number of event ids held: inline first, then in `overflow`.
        var idCount: UInt32
        var overflow: [UInt64]

        static let free = Slot(session: OpenSession(start: 0, end: 0, events: 0, revenue: 0), idCount: 0, overflow: [])
    }

    private static let inlineCapacity = 8
    /// Sessions longer than this many events are checked for duplicates through a set.
    private static let linearScanLimit = 32

    private var slots: [Slot] = []
    /// `inlineCapacity` event-id hashes per slot.
    private var inlineIDs: [UInt64] = []
    private(set) var freeSlots: [UInt32] = []
    private var largeSets: [UInt32: Set<UInt64>] = [:]

    init() {}

    /// A table holding `sessions` (slot by slot, free ones included) and `freeSlots`.
    init(sessions: [(session: OpenSession, eventIDs: [UInt64])], freeSlots: [UInt32]) {
        for (i, entry) in sessions.enumerated() {
            slots.append(.free)
            inlineIDs.append(contentsOf: repeatElement(0, count: Self.inlineCapacity))
            slots[i].session = entry.session
            for id in entry.eventIDs { append(id, to: i) }
            if entry.eventIDs.count > Self.linearScanLimit { largeSets[UInt32(i)] = Set(entry.eventIDs) }
        }
        self.freeSlots = freeSlots
    }

    var openCount: Int { slots.count - freeSlots.count }

    /// Number of slots, open or free.
    var slotCount: Int { slots.count }

    subscript(index: UInt32) -> OpenSession { slots[Int(index)].session }

    /// The event-id hashes of a session in the order they were applied (for snapshots).
    func eventIDs(_ index: UInt32) -> [UInt64] {
        let i = Int(index)
        let inline = min(Int(slots[i].idCount), Self.inlineCapacity)
        return Array(inlineIDs[i * Self.inlineCapacity..<i * Self.inlineCapacity + inline]) + slots[i].overflow
    }

    /// Opens a session with its first event; returns its index.
    mutating func open(at ts: Int64, eventID: UInt64, revenue: Double) -> UInt32 {
        let index: Int
        if let free = freeSlots.popLast() {
            index = Int(free)
        } else {
            index = slots.count
            slots.append(.free)
            inlineIDs.append(contentsOf: repeatElement(0, count: Self.inlineCapacity))
        }
        slots[index].session = OpenSession(start: ts, end: ts, events: 1, revenue: revenue)
        append(eventID, to: index)
        return UInt32(index)
    }

    func contains(_ index: UInt32, eventID: UInt64) -> Bool {
        let i = Int(index)
        let count = Int(slots[i].idCount)
        let base = i * Self.inlineCapacity
        for k in base..<base + min(count, Self.inlineCapacity) where inlineIDs[k] == eventID { return true }
        if count <= Self.inlineCapacity { return false }
        if count <= Self.linearScanLimit { return slots[i].overflow.contains(eventID) }
        return largeSets[index]?.contains(eventID) ?? slots[i].overflow.contains(eventID)
    }

    mutating func extend(_ index: UInt32, at ts: Int64, eventID: UInt64, revenue: Double) {
        let i = Int(index)
        slots[i].session.end = ts
        slots[i].session.events += 1
        slots[i].session.revenue += revenue
        append(eventID, to: i)
        if slots[i].idCount > UInt32(Self.linearScanLimit) {
            if largeSets[index] == nil {
                largeSets[index] = Set(eventIDs(index))
            } else {
                largeSets[index]!.insert(eventID)
            }
        }
    }

    /// Frees a session slot (closed or dropped by `forget`).
    mutating func release(_ index: UInt32) {
        slots[Int(index)] = .free
        largeSets[index] = nil
        freeSlots.append(index)
    }

    private mutating func append(_ id: UInt64, to i: Int) {
        let count = Int(slots[i].idCount)
        if count < Self.inlineCapacity {
            inlineIDs[i * Self.inlineCapacity + count] = id
        } else {
            if slots[i].overflow.isEmpty { slots[i].overflow.reserveCapacity(Self.inlineCapacity) }
            slots[i].overflow.append(id)
        }
        slots[i].idCount += 1
    }
}
