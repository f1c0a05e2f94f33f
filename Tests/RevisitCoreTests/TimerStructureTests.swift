import Testing
@testable import RevisitCore

@Suite struct TimerStructureTests {
    @Test func dayTimerWheelFiresInInstantThenSlotOrder() {
        var rng = SplitMix64(seed: 11)
        var wheel = DayTimerWheel()
        var expected: [UserTimer] = []
        for _ in 0..<2000 {
            let timer = UserTimer(instant: Int64(rng.next() % 20) * 1000, slot: UInt32(rng.next() % 5000))
            wheel.insert(timer)
            expected.append(timer)
        }
        var fired: [UserTimer] = []
        // Interleave: fire some, then schedule earlier and later instants while a bucket is open.
        for _ in 0..<500 { fired.append(wheel.removeMin()) }
        let late = [UserTimer(instant: 1, slot: 7), UserTimer(instant: 19_000, slot: 1), UserTimer(instant: 50_000, slot: 2)]
        for t in late { wheel.insert(t) }
        expected += late
        while wheel.min != nil {
            let next = wheel.min!
            let popped = wheel.removeMin()
            #expect(popped.instant == next.instant)
            fired.append(popped)
        }
        #expect(wheel.count == 0)
        #expect(fired.count == expected.count)
        #expect(fired.sorted() == expected.sorted())
        // After the interleaving, what remained fired in order.
        #expect(fired[500...].map(\.instant) == fired[500...].map(\.instant).sorted())
    }

    @Test func reorderBufferReleasesByTimeThenArrival() {
        var buffer = ReorderBuffer()
        let times: [Int64] = [10, 12, 11, 12, 9, 15, 15, 13]
        for (i, t) in times.enumerated() {
            buffer.insert(TimedEvent(timestamp: t, sequence: UInt64(i), userID: "u", eventIDHash: 0, kind: .activity,
                                     zone: ZoneRegistry.none, revenue: 0))
        }
        var order: [(Int64, UInt64)] = []
        while !buffer.isEmpty {
            let e = buffer.popEarliest()
            order.append((e.timestamp, e.sequence))
        }
        #expect(order.map(\.0) == times.sorted())
        #expect(order.filter { $0.0 == 12 }.map(\.1) == [1, 3])
        #expect(order.filter { $0.0 == 15 }.map(\.1) == [5, 6])
    }
}
