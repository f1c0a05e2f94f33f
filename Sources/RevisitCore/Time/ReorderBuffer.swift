import Collections

/// Events of a partition that arrived but are not yet behind the watermark (SPEC 2.1),
/// released in `(ts, arrival)` order.
///
/// Most producers send nearly in order, so events that arrive no earlier than the last
/// in-order one go to a FIFO in O(1); only the stragglers pay for the heap. Releasing takes
/// the smaller head of the two.
struct ReorderBuffer: Sendable {
    private var inOrder = Deque<TimedEvent>()
    private var stragglers = Heap<TimedEvent>()

    init() {}

    init(events: [TimedEvent]) {
        for event in events.sorted() { insert(event) }
    }

    var count: Int { inOrder.count + stragglers.count }
    var isEmpty: Bool { inOrder.isEmpty && stragglers.isEmpty }

    mutating func insert(_ event: TimedEvent) {
        // Sequence numbers grow with arrival, so a tail with an equal ts still sorts first.
        if let last = inOrder.last, event.timestamp < last.timestamp {
            stragglers.insert(event)
        } else {
            inOrder.append(event)
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

    mutating func popEarliest() -> TimedEvent {
        guard let a = inOrder.first else { return stragglers.removeMin() }
        if let b = stragglers.min, b < a { return stragglers.removeMin() }
        return inOrder.removeFirst()
    }

    /// All buffered events in release order (for snapshots).
    var sortedEvents: [TimedEvent] { (Array(inOrder) + stragglers.unordered).sorted() }
}
