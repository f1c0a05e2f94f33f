/// The per-partition engine: validates raw messages, keeps the watermark and the reorder
/// buffer, runs the operators in event-time order and fires timers (SPEC 1-6).
///
/// Feed it with `process(...)`, move time with `advanceWatermark(to:)` (live idle advance) or
/// `finish(at:)` (end of a replay), and collect what it emitted with `takeOutputs()`. Its
/// complete state round-trips through `exportSnapshot()` / `init(snapshot:rules:)`.
/// It never reads a clock: the caller passes the wall clock used for `max_future_skew`.
public struct PartitionProcessor: Sendable {
    public let rules: RetentionRules
    public let decoder: EventDecoder
    /// The wall clock (epoch ms) against which `max_future_skew` is checked.
    public var wallClock: Int64
    public internal(set) var counters = ProcessorCounters()
    /// Largest `ts` of the valid events seen (SPEC 2.1), nil before the first.
    public internal(set) var maxTimestamp: Int64?
    /// The current watermark W; `Int64.min` before the first event.
    public internal(set) var watermark: Int64 = .min

    var operators: RetentionOperators
    var buffer = ReorderBuffer()
    var sequence: UInt64 = 0
    var deadLetters: [OutputRecord] = []

    /// Outputs at which the release of events and timers pauses, for the caller to take
    /// them and call ``resumeRelease()``; nil: it never pauses.
    ///
    /// What falls due at one instant (a midnight's timers of every user, the end of input)
    /// can emit a record per user: with a limit, it is emitted in chunks of about this
    /// size, so the outputs held at once are bounded by the limit, not by the users. The
    /// records and their order are the same with or without it.
    public var outputChunkLimit: Int?
    /// A release paused at ``outputChunkLimit``, and what remains of it.
    private var paused: PausedRelease?

    private enum PausedRelease: Sendable {
        /// Events and timers up to `limit` remain; then, at the end of input, the profiles.
        case release(limit: Int64, inclusiveTimers: Bool, profilesAt: Int64?)
        /// End-of-input profiles from user slot `slot` on remain.
        case profiles(at: Int64, slot: Int)
    }

    /// Earliest accepted event time: 2000-01-01T00:00:00Z.
    public static let earliestTimestamp: Int64 = 946_684_800_000

    /// A fresh processor for one partition.
    ///
    /// - Parameter partition: the input partition it processes, written into its daily
    ///   aggregates (SPEC 7).
    public init(rules: RetentionRules, wallClock: Int64, partition: Int = 0) throws(PartitionProcessorError) {
        for (name, days) in [
            ("high_window_days", rules.highWindowDays), ("medium_window_days", rules.mediumWindowDays),
            ("low_window_days", rules.lowWindowDays),
        ] where days > UserState.bitmapDays {
            throw .windowTooLong(setting: name, days: days)
        }
        guard let zones = ZoneRegistry(pipelineZone: rules.timezone) else {
            throw .unknownTimeZone(rules.timezone)
        }
        self.rules = rules
        self.decoder = EventDecoder(maxEventBytes: rules.maxEventBytes)
        self.wallClock = wallClock
        self.operators = RetentionOperators(rules: rules, zones: zones, partition: partition)
    }

    /// The input partition this processor stands for.
    public var partition: Int { operators.aggregates.partition }

    // MARK: - Input

    /// Decodes, validates and buffers one message, then releases what the watermark allows.
    public mutating func process(value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, source: SourcePosition) {
        process(decoded: decoder.decode(value: value, key: key), value: value, key: key, source: source)
    }

    /// Convenience for byte arrays.
    public mutating func process(value: [UInt8], key: [UInt8]?, source: SourcePosition) {
        value.withUnsafeBytes { v in
            if let key {
                key.withUnsafeBytes { k in process(value: v, key: k, source: source) }
            } else {
                process(value: v, key: nil, source: source)
            }
        }
    }

    /// Continues with a message the caller already decoded with `decoder` (a replay decodes
    /// once to route by user id). `value` and `key` are only read for dead letters.
    public mutating func process(
        decoded: EventDecoder.Outcome, value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?,
        source: SourcePosition
    ) {
        counters.received += 1
        switch decoded {
        case .failure(let rejection):
            deadLetter(rejection, value: value, key: key, source: source)
        case .success(let event):
            if let rejection = admit(event, origin: source.offset) {
                deadLetter(rejection, value: value, key: key, source: source)
            }
        }
    }

    /// Feeds an event that is already decoded and known valid, bypassing dead-letter
    /// bookkeeping of the raw bytes (used by benchmarks and tests of the operators).
    @discardableResult
    public mutating func process(event: ParsedEvent) -> EventRejection? {
        counters.received += 1
        guard let rejection = admit(event, origin: 0) else { return nil }
        counters.deadLetters[rejection.reason, default: 0] += 1
        return rejection
    }

    /// The checks that need partition state: `bad_tz`, `ts_out_of_range`, `too_late`. An event
    /// that passes them is buffered and whatever the watermark allows is released; one that
    /// fails is returned unapplied.
    private mutating func admit(_ e: ParsedEvent, origin: Int64) -> EventRejection? {
        let zone: UInt16
        switch checkZoneAndTime(e) {
        case .failure(let rejection): return rejection
        case .success(let id): zone = id
        }
        guard e.timestamp >= watermark else {
            return EventRejection(
                .tooLate, "field `ts` is \(watermark - e.timestamp) ms behind the watermark", userID: e.userID)
        }
        accept(timed(e, zone: zone, origin: origin))
        return nil
    }

    /// `bad_tz` and `ts_out_of_range`; the resolved zone of an event that passes.
    mutating func checkZoneAndTime(_ e: ParsedEvent) -> Result<UInt16, EventRejection> {
        var zone = ZoneRegistry.none
        if let name = e.timeZoneName {
            guard let id = operators.zones.resolve(name) else {
                return .failure(EventRejection(.badTimeZone, "field `tz` names no known IANA zone", userID: e.userID))
            }
            zone = id
        }
        let latest = wallClock &+ rules.maxFutureSkew.milliseconds
        guard e.timestamp >= Self.earliestTimestamp, e.timestamp <= latest else {
            return .failure(EventRejection(
                .timestampOutOfRange, "field `ts` is before 2000-01-01 or more than max_future_skew past the wall clock",
                userID: e.userID))
        }
        return .success(zone)
    }

    /// The next arrival as a buffered event.
    mutating func timed(_ e: ParsedEvent, zone: UInt16, origin: Int64) -> TimedEvent {
        sequence += 1
        return TimedEvent(
            timestamp: e.timestamp, sequence: sequence, userID: e.userID, eventIDHash: e.eventIDHash,
            kind: e.kind, zone: zone, revenue: e.revenue, campaign: e.campaign, variant: e.variant,
            origin: origin)
    }

    private mutating func accept(_ event: consuming TimedEvent) {
        // A caller that did not resume a paused release gets its outputs all the same, in
        // order, only not in chunks.
        completePausedRelease()
        if maxTimestamp.map({ event.timestamp > $0 }) ?? true {
            maxTimestamp = event.timestamp
        }
        let candidate = maxTimestamp! - rules.allowedLateness.milliseconds
        buffer.insert(event)
        if candidate > watermark { watermark = candidate }
        release(upTo: watermark, inclusiveTimers: false)
    }

    private mutating func deadLetter(
        _ rejection: EventRejection, value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, source: SourcePosition
    ) {
        counters.deadLetters[rejection.reason, default: 0] += 1
        let kept = rules.deadLetterFields.kept(reason: rejection.reason, key: key, value: value)
        deadLetters.append(.deadLetter(DeadLetterRecord(
            reason: rejection.reason, detail: rejection.detail, source: source, key: kept.key, value: kept.value)))
    }

    // MARK: - Time

    /// Moves the watermark forward (live idle advance, SPEC 2.1); never moves it back.
    public mutating func advanceWatermark(to instant: Int64) {
        completePausedRelease()
        if instant > watermark { watermark = instant }
        release(upTo: watermark, inclusiveTimers: false)
    }

    /// End of input (SPEC 2.1): the watermark moves to `instant` (the largest ts, or
    /// `--as-of`), every buffered event and every timer with `t <= instant` is processed,
    /// then every user's profile as of `instant` is emitted.
    public mutating func finish(at instant: Int64) {
        completePausedRelease()
        if instant > watermark { watermark = instant }
        guard release(upTo: instant, inclusiveTimers: true) else {
            if case .release(let limit, let inclusive, _) = paused {
                paused = .release(limit: limit, inclusiveTimers: inclusive, profilesAt: instant)
            }
            return
        }
        emitProfiles(at: instant, from: 0)
    }

    // MARK: - Chunks

    /// Whether a release paused at ``outputChunkLimit``: take the outputs, then call
    /// ``resumeRelease()`` before anything else.
    public var hasPausedRelease: Bool { paused != nil }

    /// Continues a paused release until it is done or pauses again (true then).
    @discardableResult
    public mutating func resumeRelease() -> Bool {
        guard let pausedRelease = paused else { return false }
        paused = nil
        switch pausedRelease {
        case .release(let limit, let inclusive, let profilesAt):
            guard release(upTo: limit, inclusiveTimers: inclusive) else {
                if let profilesAt, case .release(let limit, let inclusive, _) = paused {
                    paused = .release(limit: limit, inclusiveTimers: inclusive, profilesAt: profilesAt)
                }
                return true
            }
            if let profilesAt { emitProfiles(at: profilesAt, from: 0) }
        case .profiles(let instant, let slot):
            emitProfiles(at: instant, from: slot)
        }
        return paused != nil
    }

    /// Finishes a paused release at once, whatever it emits.
    private mutating func completePausedRelease() {
        guard paused != nil else { return }
        let limit = outputChunkLimit
        outputChunkLimit = nil
        resumeRelease()
        outputChunkLimit = limit
    }

    private mutating func emitProfiles(at instant: Int64, from slot: Int) {
        if let next = operators.emitProfiles(at: instant, from: slot, until: outputChunkLimit.map { $0 - deadLetters.count }) {
            paused = .profiles(at: instant, slot: next)
        }
    }

    // MARK: - Release

    /// Applies buffered events with `ts <= limit` and fires timers with `t < limit`
    /// (`t <= limit` at the end of input), in time order with events first at equal instants,
    /// and the day's close last of all at its instant (SPEC 7). Returns false when it paused
    /// at ``outputChunkLimit`` (``paused`` says what remains).
    @discardableResult
    private mutating func release(upTo limit: Int64, inclusiveTimers: Bool) -> Bool {
        func due(_ instant: Int64) -> Bool { instant < limit || (inclusiveTimers && instant == limit) }
        while true {
            if let chunk = outputChunkLimit, pendingOutputCount >= chunk {
                paused = .release(limit: limit, inclusiveTimers: inclusiveTimers, profilesAt: nil)
                return false
            }
            let eventTime = buffer.earliest.flatMap { $0 <= limit ? $0 : nil }
            let timer = operators.timers.next().flatMap { due($0.timer.instant) ? $0 : nil }
            let close = operators.aggregates.closeInstant.flatMap { due($0) ? $0 : nil }
            if let eventTime, eventTime <= (timer?.timer.instant ?? .max), eventTime <= (close ?? .max) {
                let event = buffer.popEarliest()
                if operators.apply(event) {
                    counters.applied += 1
                } else {
                    counters.duplicates += 1
                }
            } else if let timer, timer.timer.instant <= (close ?? .max) {
                let popped = operators.timers.pop(timer.kind)
                operators.fire(popped, kind: timer.kind)
            } else if close != nil {
                operators.closeDay()
            } else {
                return true
            }
        }
    }

    // MARK: - Output

    /// Everything emitted since the last call, in emission order: dead letters of a message
    /// come before the records its processing caused.
    ///
    /// - Parameter spare: an emptied buffer to collect the next outputs in, such as one the
    ///   caller got back from a consumer of earlier outputs. Reusing its memory spares the
    ///   allocation of a new buffer and, for large ones, the first touch of fresh pages.
    public mutating func takeOutputs(collectingNextIn spare: consuming [OutputRecord] = []) -> [OutputRecord] {
        // Hand the buffers over instead of copying: the caller owns them from here.
        var out = deadLetters
        deadLetters = []
        if out.isEmpty {
            out = operators.outputs
        } else {
            out.append(contentsOf: operators.outputs)
        }
        spare.removeAll(keepingCapacity: true)
        operators.outputs = consume spare
        // The next batch likely emits about as many: one allocation instead of a doubling
        // series whose every step copies the records so far.
        operators.outputs.reserveCapacity(out.count)
        return out
    }

    /// Hands everything emitted since the last call to `body`, in emission order, keeping the
    /// buffers' capacity (cheaper than `takeOutputs()` when called per message).
    public mutating func drainOutputs(_ body: (OutputRecord) -> Void) {
        for record in deadLetters { body(record) }
        for record in operators.outputs { body(record) }
        deadLetters.removeAll(keepingCapacity: true)
        operators.outputs.removeAll(keepingCapacity: true)
    }

    /// Outputs emitted and not yet taken.
    public var pendingOutputCount: Int { deadLetters.count + operators.outputs.count }

    /// Drops pending outputs without copying them (benchmarks).
    public mutating func discardOutputs() -> Int {
        let n = deadLetters.count + operators.outputs.count
        deadLetters.removeAll(keepingCapacity: true)
        operators.outputs.removeAll(keepingCapacity: true)
        return n
    }

    /// Users with state (including users known only from campaign touches).
    public var userCount: Int { operators.users.count }
    /// Events waiting in the reorder buffer.
    public var bufferedEvents: Int { buffer.count }
    /// Sessions currently open.
    public var openSessions: Int { operators.sessions.openCount }
}
