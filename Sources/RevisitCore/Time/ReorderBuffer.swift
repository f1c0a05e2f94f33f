import Collections

/// Events of a partition that arrived but are not yet behind the watermark (SPEC 2.1),
/// released in `(ts, arrival)` order.
///
/// Most producers send nearly in order, so events that arrive no earlier than the last
/// in-order one go to a FIFO in O(1); only the stragglers pay for the heap. Releasing takes
/// the smaller head of the two.
///
/// Peeking and comparing never copy an event (which holds strings): the FIFO reads the keys
/// of its head in place, and the heap orders small trivially copyable keys whose events wait
/// in a pool of reusable slots.
struct ReorderBuffer: Sendable {
    /// The ordering key of a buffered event and, for a straggler, its pool slot.
    fileprivate struct Entry: Sendable, Comparable {
        var timestamp: Int64
        /// Arrival sequence number: ties in `timestamp` keep arrival order.
        var sequence: UInt64
        var slot: UInt32 = 0

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.timestamp != rhs.timestamp ? lhs.timestamp < rhs.timestamp : lhs.sequence < rhs.sequence
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.timestamp == rhs.timestamp && lhs.sequence == rhs.sequence
        }
    }

    private var inOrder = EventFIFO()
    private var stragglers = Heap<Entry>()
    /// Straggling events by slot; nil for a free slot.
    private var pool: [TimedEvent?] = []
    private var freeSlots: [UInt32] = []

    init() {}

    init(events: [TimedEvent]) {
        for event in events.sorted() { insert(event) }
    }

    var count: Int { inOrder.count + stragglers.count }
    var isEmpty: Bool { inOrder.isEmpty && stragglers.isEmpty }

    mutating func insert(_ event: consuming TimedEvent) {
        // Sequence numbers grow with arrival, so a tail with an equal ts still sorts first.
        if let last = inOrder.lastTimestamp, event.timestamp < last {
            var entry = Entry(timestamp: event.timestamp, sequence: event.sequence)
            entry.slot = store(event)
            stragglers.insert(entry)
        } else {
            inOrder.append(event)
        }
    }

    /// The earliest buffered event's time.
    var earliest: Int64? {
        switch (inOrder.firstKey, stragglers.min) {
        case (nil, nil): nil
        case (let a?, nil): a.timestamp
        case (nil, let b?): b.timestamp
        case (let a?, let b?): min(a.timestamp, b.timestamp)
        }
    }

    /// Removes and returns the earliest event; the buffer must not be empty.
    mutating func popEarliest() -> TimedEvent {
        if let a = inOrder.firstKey, stragglers.min.map({ !($0 < a) }) ?? true {
            return inOrder.removeFirst()
        }
        let slot = stragglers.removeMin().slot
        freeSlots.append(slot)
        return pool[Int(slot)].take()!
    }

    /// The smallest `origin` of the buffered events, nil when empty. Origins grow with
    /// arrival (input offsets), so among the in-order events the head has the smallest;
    /// only the stragglers need a scan.
    var earliestOrigin: Int64? {
        var best = inOrder.firstOrigin
        for entry in stragglers.unordered {
            let origin = pool[Int(entry.slot)]!.origin
            if best.map({ origin < $0 }) ?? true { best = origin }
        }
        return best
    }

    /// All buffered events in release order (for snapshots).
    var sortedEvents: [TimedEvent] {
        (inOrder.elements + stragglers.unordered.map { pool[Int($0.slot)]! }).sorted()
    }

    private mutating func store(_ event: consuming TimedEvent) -> UInt32 {
        if let slot = freeSlots.popLast() {
            pool[Int(slot)] = event
            return slot
        }
        pool.append(event)
        return UInt32(pool.count - 1)
    }
}

/// A FIFO ring of events that moves them in and out: unlike a `Deque`, whose `append` copies
/// its argument, nothing here copies an event or touches its reference counts.
private struct EventFIFO: Sendable {
    private var slots: [TimedEvent?] = []
    private var head = 0
    private(set) var count = 0
    private var tailTimestamp: Int64 = 0

    var isEmpty: Bool { count == 0 }

    /// The time of the newest event, nil when empty.
    var lastTimestamp: Int64? { count == 0 ? nil : tailTimestamp }

    /// The ordering key of the oldest event, read in place; nil when empty.
    fileprivate var firstKey: ReorderBuffer.Entry? {
        guard count > 0 else { return nil }
        return slots.withUnsafeBufferPointer { buffer in
            buffer[head].map { ReorderBuffer.Entry(timestamp: $0.timestamp, sequence: $0.sequence) }
        }
    }

    /// The origin of the oldest event, read in place; nil when empty.
    var firstOrigin: Int64? {
        guard count > 0 else { return nil }
        return slots.withUnsafeBufferPointer { $0[head]?.origin }
    }

    mutating func append(_ event: consuming TimedEvent) {
        tailTimestamp = event.timestamp
        if count == slots.count { grow() }
        var i = head + count
        if i >= slots.count { i -= slots.count }
        slots[i] = event
        count += 1
    }

    /// Removes and returns the oldest event; the FIFO must not be empty.
    mutating func removeFirst() -> TimedEvent {
        let event = slots[head].take()!
        head += 1
        if head == slots.count { head = 0 }
        count -= 1
        return event
    }

    /// The events, oldest first.
    var elements: [TimedEvent] {
        (0..<count).map { slots[(head + $0) % slots.count]! }
    }

    private mutating func grow() {
        var bigger: [TimedEvent?] = []
        bigger.reserveCapacity(max(64, 2 * slots.count))
        for k in 0..<count { bigger.append(slots[(head + k) % slots.count].take()) }
        while bigger.count < bigger.capacity { bigger.append(nil) }
        slots = bigger
        head = 0
    }
}
