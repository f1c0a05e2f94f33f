/// Open sessions of a partition, in reusable slots, kept apart from `UserState` so that a
/// user between sessions costs nothing here.
///
/// Duplicate checks first ask a 128-bit Bloom filter kept next to the session's extent, so an
/// event that is no duplicate (nearly all) is checked without reading the ids. The first
/// eight event-id hashes of each session sit in a flat array at a fixed place per slot, so
/// recording one is a store that needs no load first. Later ids go to an overflow array, and
/// sessions longer than `linearScanLimit` events are checked through a set.
struct OpenSessionTable: Sendable {
    private struct Slot: Sendable {
        var session: OpenSession
        /// Number of event ids held: inline first, then in `overflow`.
        var idCount: UInt32
        /// The user slot whose session this is, `UInt32.max` when free or unknown.
        var owner: UInt32
        var filter: EventIDFilter
        var overflow: [UInt64]

        /// Counts an id stored inline.
        mutating func noteInline(_ id: UInt64) {
            idCount += 1
            filter.insert(id)
        }

        mutating func appendOverflow(_ id: UInt64) {
            if overflow.isEmpty { overflow.reserveCapacity(OpenSessionTable.inlineCapacity) }
            overflow.append(id)
            idCount += 1
            filter.insert(id)
        }

        static let free = Slot(
            session: OpenSession(start: 0, end: 0, events: 0, revenue: 0), idCount: 0, owner: .max,
            filter: EventIDFilter(), overflow: [])
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

    /// Whether session `index` is open and belongs to user slot `owner`.
    func isOpen(_ index: UInt32, owner: UInt32) -> Bool {
        Int(index) < slots.count && slots[Int(index)].owner == owner
    }

    /// Records which user slot an open session belongs to (after a restore).
    mutating func setOwner(_ index: UInt32, _ owner: UInt32) {
        slots[Int(index)].owner = owner
    }

    /// Opens a session of user slot `owner` with its first event; returns its index.
    mutating func open(at ts: Int64, eventID: UInt64, revenue: Double, owner: UInt32) -> UInt32 {
        let index: Int
        if let free = freeSlots.popLast() {
            index = Int(free)
        } else {
            index = slots.count
            slots.append(.free)
            inlineIDs.append(contentsOf: repeatElement(0, count: Self.inlineCapacity))
        }
        slots[index].session = OpenSession(start: ts, end: ts, events: 1, revenue: revenue)
        slots[index].owner = owner
        append(eventID, to: index)
        return UInt32(index)
    }

    func contains(_ index: UInt32, eventID: UInt64) -> Bool {
        let i = Int(index)
        guard slots[i].filter.mayContain(eventID) else { return false }
        let count = Int(slots[i].idCount)
        let base = i * Self.inlineCapacity
        for k in base..<base + min(count, Self.inlineCapacity) where inlineIDs[k] == eventID { return true }
        if count <= Self.inlineCapacity { return false }
        if count <= Self.linearScanLimit { return slots[i].overflow.contains(eventID) }
        return largeSets[index]?.contains(eventID) ?? slots[i].overflow.contains(eventID)
    }

    mutating func extend(_ index: UInt32, at ts: Int64, eventID: UInt64, revenue: Double) {
        let i = Int(index)
        slots[i].session.extend(at: ts, revenue: revenue)
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
            slots[i].noteInline(id)
        } else {
            slots[i].appendOverflow(id)
        }
    }
}

/// A 128-bit Bloom filter (two bits per id) over the event-id hashes of one session: false
/// positives are possible (then the ids are scanned), false negatives are not.
private struct EventIDFilter: Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// The two bits of an id, as masks of the low and high words.
    @inline(__always)
    private static func bits(_ id: UInt64) -> (low: UInt64, high: UInt64) {
        // Event-id hashes may be sequential numbers: mix before taking bits.
        let m = id &* 0x9E37_79B9_7F4A_7C15
        let first = m >> 57, second = (m >> 50) & 127
        let low = (first < 64 ? 1 &<< first : 0) | (second < 64 ? 1 &<< second : 0)
        let high = (first >= 64 ? 1 &<< (first &- 64) : 0) | (second >= 64 ? 1 &<< (second &- 64) : 0)
        return (low, high)
    }

    @inline(__always)
    func mayContain(_ id: UInt64) -> Bool {
        let (l, h) = Self.bits(id)
        return low & l == l && high & h == h
    }

    @inline(__always)
    mutating func insert(_ id: UInt64) {
        let (l, h) = Self.bits(id)
        low |= l
        high |= h
    }
}
