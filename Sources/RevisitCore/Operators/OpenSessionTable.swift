/// Open sessions of a partition, in reusable slots, kept apart from `UserState` so that a
/// user between sessions costs nothing here.
///
/// Each slot keeps the first eight event-id hashes of its session inline, next to the
/// session's extent: a typical visit is then checked for duplicates and extended without
/// reaching any other memory. Later ids go to an overflow array, and sessions longer than
/// `linearScanLimit` events are checked through a set.
struct OpenSessionTable: Sendable {
    private struct Slot: Sendable {
        var session: OpenSession
        /// Number of event ids held (inline first, then in `overflow`).
        var idCount: UInt32
        var inline: SIMD8<UInt64>
        var overflow: [UInt64]

        static let free = Slot(
            session: OpenSession(start: 0, end: 0, events: 0, revenue: 0), idCount: 0, inline: .zero, overflow: [])
    }

    private static let inlineCapacity = 8
    private static let lanes = SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7)
    /// Sessions longer than this many events are checked for duplicates through a set.
    private static let linearScanLimit = 32

    private var slots: [Slot] = []
    private(set) var freeSlots: [UInt32] = []
    private var largeSets: [UInt32: Set<UInt64>] = [:]

    init() {}

    /// A table holding `sessions` (slot by slot, free ones included) and `freeSlots`.
    init(sessions: [(session: OpenSession, eventIDs: [UInt64])], freeSlots: [UInt32]) {
        for (i, entry) in sessions.enumerated() {
            var slot = Slot.free
            slot.session = entry.session
            for id in entry.eventIDs { Self.append(id, to: &slot) }
            slots.append(slot)
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
        let slot = slots[Int(index)]
        let inline = min(Int(slot.idCount), Self.inlineCapacity)
        return (0..<inline).map { slot.inline[$0] } + slot.overflow
    }

    /// Opens a session with its first event; returns its index.
    mutating func open(at ts: Int64, eventID: UInt64, revenue: Double) -> UInt32 {
        var slot = Slot.free
        slot.session = OpenSession(start: ts, end: ts, events: 1, revenue: revenue)
        slot.idCount = 1
        slot.inline[0] = eventID
        if let index = freeSlots.popLast() {
            slots[Int(index)] = slot
            return index
        }
        slots.append(slot)
        return UInt32(slots.count - 1)
    }

    func contains(_ index: UInt32, eventID: UInt64) -> Bool {
        let slot = slots[Int(index)]
        let held = SIMD8<UInt64>(repeating: UInt64(slot.idCount))
        if any((slot.inline .== SIMD8(repeating: eventID)) .& (Self.lanes .< held)) { return true }
        if slot.idCount <= UInt32(Self.inlineCapacity) { return false }
        if slot.idCount <= UInt32(Self.linearScanLimit) { return slot.overflow.contains(eventID) }
        return largeSets[index]?.contains(eventID) ?? slot.overflow.contains(eventID)
    }

    mutating func extend(_ index: UInt32, at ts: Int64, eventID: UInt64, revenue: Double) {
        let i = Int(index)
        slots[i].session.end = ts
        slots[i].session.events += 1
        slots[i].session.revenue += revenue
        Self.append(eventID, to: &slots[i])
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

    private static func append(_ id: UInt64, to slot: inout Slot) {
        if slot.idCount < UInt32(inlineCapacity) {
            slot.inline[Int(slot.idCount)] = id
        } else {
            if slot.overflow.isEmpty { slot.overflow.reserveCapacity(inlineCapacity) }
            slot.overflow.append(id)
        }
        slot.idCount += 1
    }
}
