import Testing
@testable import RevisitCore

@Suite struct OpenSessionTableTests {
    /// Ids held inline, in the overflow array and past the set threshold are all found again,
    /// ids never added are not, and a rebuilt table holds the same ids in the same order.
    @Test func findsEveryIdOfLongSessions() {
        var rng = SplitMix64(seed: 5)
        var table = OpenSessionTable()
        var added: [UInt32: [UInt64]] = [:]
        for length in [1, 2, 8, 9, 16, 33, 100] {
            var ids = [rng.next()]
            let index = table.open(at: 0, eventID: ids[0], revenue: 0, owner: UInt32(length))
            #expect(table.isOpen(index, owner: UInt32(length)))
            for k in 1..<length {
                // Sequential ids as well as random ones, as generated traffic uses both.
                let id = k % 2 == 0 ? UInt64(k) : rng.next()
                #expect(!table.contains(index, eventID: id))
                table.extend(index, at: Int64(k), eventID: id, revenue: 1)
                ids.append(id)
            }
            added[index] = ids
        }
        for (index, ids) in added {
            #expect(table.eventIDs(index) == ids)
            for id in ids { #expect(table.contains(index, eventID: id)) }
            var misses = 0
            for _ in 0..<200 where table.contains(index, eventID: rng.next()) { misses += 1 }
            #expect(misses == 0)
        }
        let rebuilt = OpenSessionTable(
            sessions: (0..<UInt32(table.slotCount)).map { (table[$0], table.eventIDs($0)) }, freeSlots: table.freeSlots)
        for (index, ids) in added {
            #expect(rebuilt.eventIDs(index) == ids)
            #expect(rebuilt[index] == table[index])
            for id in ids { #expect(rebuilt.contains(index, eventID: id)) }
        }
    }

    @Test func releasedSlotsStartEmpty() {
        var table = OpenSessionTable()
        let first = table.open(at: 0, eventID: 7, revenue: 0, owner: 3)
        for k in 1..<20 { table.extend(first, at: Int64(k), eventID: UInt64(100 + k), revenue: 0) }
        table.release(first)
        #expect(!table.isOpen(first, owner: 3))
        let second = table.open(at: 50, eventID: 8, revenue: 0, owner: 4)
        #expect(second == first)
        #expect(table.eventIDs(second) == [8])
        #expect(!table.contains(second, eventID: 7))
        #expect(!table.contains(second, eventID: 105))
        #expect(table.openCount == 1)
        #expect(table.isOpen(second, owner: 4) && !table.isOpen(second, owner: 3))
        #expect(!table.isOpen(UInt32.max, owner: 4))
    }
}
