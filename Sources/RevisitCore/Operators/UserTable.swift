/// The users of a partition: ids and states in slots, found through an open-addressing index.
///
/// Slots are handed out in first-seen order and reused after `forget`, so iteration order
/// depends only on the sequence of operations, never on hashing; snapshots keep slots as
/// they are. The index holds 8 bytes per bucket: slot + 1 and 32 bits of the id's hash, so a
/// probe passes over other users' buckets without reading their ids (each a likely cache
/// miss); per user at rest that is the id, the state and about 16 bytes of index.
///
/// Ids live apart from the states so that `UserState` holds no reference: the operators copy
/// and update states without reference counting, and a lookup's id comparison and the state
/// access that follows it are independent loads the processor can overlap.
struct UserTable: Sendable {
    /// User states by slot; a free slot holds a fresh `UserState()`.
    var states: [UserState] = []
    /// User ids by slot; a free slot has an empty id.
    private(set) var ids: [String] = []
    private(set) var freeSlots: [UInt32] = []
    /// `UInt64(tag) << 32 | (slot + 1)`, 0 when empty.
    private var buckets: [UInt64] = Array(repeating: 0, count: 16)
    private(set) var count = 0

    init() {}

    // MARK: - Lookup

    @inline(__always)
    static func hash(_ id: String) -> Int {
        // Native strings expose their UTF-8 in place; only a foreign string needs a copy.
        if let h = id.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return h }
        var copy = id
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    private static func hash(_ raw: UnsafeRawBufferPointer) -> Int {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
        var i = 0
        while i + 8 <= raw.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < raw.count {
            tail |= UInt64(raw[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 29
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    /// The bucket tag of a hash: bits that the bucket position does not already use.
    @inline(__always)
    private static func tag(_ hash: Int) -> UInt64 { UInt64(bitPattern: Int64(hash)) & 0xFFFF_FFFF_0000_0000 }

    /// The slot of a user, if present.
    func slot(of id: String) -> UInt32? {
        let h = Self.hash(id)
        let mask = buckets.count - 1
        let tag = Self.tag(h)
        var b = h & mask
        while true {
            let entry = buckets[b]
            if entry == 0 { return nil }
            let slot = UInt32(truncatingIfNeeded: entry) - 1
            if entry & 0xFFFF_FFFF_0000_0000 == tag, ids[Int(slot)] == id { return slot }
            b = (b + 1) & mask
        }
    }

    /// The id of a slot.
    @inline(__always)
    func id(_ slot: Int) -> String { ids[slot] }

    /// Whether a slot holds a user.
    @inline(__always)
    func isLive(_ slot: Int) -> Bool { !ids[slot].isEmpty }

    /// The slot of a user, inserting a fresh state when absent.
    mutating func slotInserting(_ id: String) -> (slot: UInt32, inserted: Bool) {
        let h = Self.hash(id)
        let mask = buckets.count - 1
        let tag = Self.tag(h)
        var b = h & mask
        while true {
            let entry = buckets[b]
            if entry == 0 { break }
            let slot = UInt32(truncatingIfNeeded: entry) - 1
            if entry & 0xFFFF_FFFF_0000_0000 == tag, ids[Int(slot)] == id { return (slot, false) }
            b = (b + 1) & mask
        }
        let slot: UInt32
        if let free = freeSlots.popLast() {
            // A freed slot already holds a fresh state (see `remove`).
            slot = free
            ids[Int(slot)] = id
        } else {
            slot = UInt32(states.count)
            states.append(UserState())
            ids.append(id)
        }
        buckets[b] = tag | UInt64(slot + 1)
        count += 1
        if count * 4 >= buckets.count * 3 { grow() }
        return (slot, true)
    }

    /// Removes a user; its slot is reused by the next new user.
    mutating func remove(_ slot: UInt32) {
        let id = ids[Int(slot)]
        let mask = buckets.count - 1
        var i = Self.hash(id) & mask
        while UInt32(truncatingIfNeeded: buckets[i]) != slot + 1 { i = (i + 1) & mask }
        // Backward-shift deletion keeps probe sequences intact without tombstones.
        var j = i
        while true {
            j = (j + 1) & mask
            let entry = buckets[j]
            if entry == 0 { break }
            let home = Self.hash(ids[Int(UInt32(truncatingIfNeeded: entry) - 1)]) & mask
            let between = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !between {
                buckets[i] = entry
                i = j
            }
        }
        buckets[i] = 0
        // A fresh state makes pending timers of the erased user find nothing to do.
        states[Int(slot)] = UserState()
        ids[Int(slot)] = ""
        freeSlots.append(slot)
        count -= 1
    }

    private mutating func grow() {
        var fresh = [UInt64](repeating: 0, count: buckets.count * 2)
        let mask = fresh.count - 1
        for entry in buckets where entry != 0 {
            var b = Self.hash(ids[Int(UInt32(truncatingIfNeeded: entry) - 1)]) & mask
            while fresh[b] != 0 { b = (b + 1) & mask }
            fresh[b] = entry
        }
        buckets = fresh
    }

    // MARK: - Snapshot support

    /// Number of slots, live or free.
    var slotCount: Int { states.count }

    /// Rebuilds a table from slots as exported (empty id = free slot), in slot order.
    init(slots: [(id: String, state: UserState)?], freeSlots: [UInt32]) {
        for entry in slots {
            states.append(entry?.state ?? UserState())
            ids.append(entry?.id ?? "")
            if entry != nil { count += 1 }
        }
        self.freeSlots = freeSlots
        var capacity = 16
        while count * 4 >= capacity * 3 { capacity *= 2 }
        buckets = [UInt64](repeating: 0, count: capacity)
        let mask = capacity - 1
        for slot in 0..<states.count where isLive(slot) {
            let h = Self.hash(ids[slot])
            var b = h & mask
            while buckets[b] != 0 { b = (b + 1) & mask }
            buckets[b] = Self.tag(h) | UInt64(slot + 1)
        }
    }
}
