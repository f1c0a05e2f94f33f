import Collections

/// Events of a partition that arrived but are not yet behind the watermark (SPEC 2.1),
/// released in `(ts, arrival)` order.
///
/// Most producers send nearly in order, so events that arrive no earlier than the last
/// in-order one go to a FIFO in O(1); only the stragglers pay for the heap. Releasing takes
/// the smaller head of the two.
///
/// The two queues order small trivially copyable entries; the events themselves, which hold
/// strings, wait in a pool of reusable slots and are moved out once when released. So the
/// queues never copy an event or touch a reference count.
struct ReorderBuffer: Sendable {
    /// The ordering key of a buffered event and the pool slot that holds it.
    private struct Entry: Sendable, Comparable {
        var timestamp: Int64
        /// Arrival sequence number: ties in `timestamp` keep arrival order.
        var sequence: UInt64
        var slot: UInt32

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.timestamp != rhs.timestamp ? lhs.timestamp < rhs.timestamp : lhs.sequence < rhs.sequence
        }

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.timestamp == rhs.timestamp && lhs.sequence == rhs.sequence
        }
    }

    private var inOrder = Deque<Entry>()
    private var stragglers = Heap<Entry>()
    /// Buffered events by slot; nil for a free slot.
    private var pool: [TimedEvent?] = []
    private var freeSlots: [UInt32] = []

    init() {}

    init(events: [TimedEvent]) {
        for event in events.sorted() { insert(event) }
    }

    var count: Int { inOrder.count + stragglers.count }
    var isEmpty: Bool { inOrder.isEmpty && stragglers.isEmpty }

    mutating func insert(_ event: consuming TimedEvent) {
        let entry = Entry(timestamp: event.timestamp, sequence: event.sequence, slot: store(event))
        // Sequence numbers grow with arrival, so a tail with an equal ts still sorts first.
        if let last = inOrder.last, entry.timestamp < last.timestamp {
            stragglers.insert(entry)
        } else {
            inOrder.append(entry)
        }
    }

    /// The earliest buffered event's time.
    var earliest: Int64? {
        switch (inOrder.first, stragglers.min) {
        case (nil, nil): nil
        case (let a?, nil): a.timestamp
        case (nil, let b?): b.timestamp
        case (let a?, let b?): min(a.timestamp, b.timestamp)
        }
    }

    /// Removes and returns the earliest event; the buffer must not be empty.
    mutating func popEarliest() -> TimedEvent {
        let entry: Entry
        if let a = inOrder.first, stragglers.min.map({ !($0 < a) }) ?? true {
            entry = inOrder.removeFirst()
        } else {
            entry = stragglers.removeMin()
        }
        freeSlots.append(entry.slot)
        return pool[Int(entry.slot)].take()!
    }

    /// All buffered events in release order (for snapshots).
    var sortedEvents: [TimedEvent] {
        (Array(inOrder) + stragglers.unordered).sorted().map { pool[Int($0.slot)]! }
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
