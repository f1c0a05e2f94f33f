import Collections

// MARK: - Snapshots

/// A partition's complete state as bytes, for the state topic (SPEC 8): restoring it and
/// feeding the same subsequent input gives the same outputs as never having stopped.
///
/// Layout (version 1): magic `RVSP`, version, then processor scalars, zones, campaigns,
/// user slots, open sessions, timers and the reorder buffer, in that order. Integers are
/// varints, so a user at rest takes roughly 60-90 bytes. Outputs not yet taken with
/// `takeOutputs()` are not part of a snapshot: take them first.
extension PartitionProcessor {
    static let snapshotMagic: [UInt8] = Array("RVSP".utf8)
    /// The snapshot format version this code writes and reads.
    public static let snapshotVersion: UInt64 = 1

    /// The processor's state as a compact versioned binary snapshot.
    public func exportSnapshot() -> [UInt8] {
        var w = SnapshotWriter()
        w.raw(Self.snapshotMagic)
        w.unsigned(Self.snapshotVersion)
        w.string(rules.timezone)
        w.signed(wallClock)
        w.unsigned(counters.received)
        w.unsigned(counters.applied)
        w.unsigned(counters.duplicates)
        let letters = counters.deadLetters.sorted { $0.key < $1.key }
        w.unsigned(letters.count)
        for (reason, count) in letters {
            w.unsigned(reason.rank)
            w.unsigned(count)
        }
        w.bool(maxTimestamp != nil)
        if let maxTimestamp { w.signed(maxTimestamp) }
        w.signed(watermark)
        w.unsigned(sequence)

        let zoneNames = operators.zones.names
        w.unsigned(zoneNames.count)
        for name in zoneNames { w.string(name) }
        w.unsigned(operators.campaigns.names.count)
        for name in operators.campaigns.names { w.string(name) }

        let users = operators.users
        w.unsigned(users.slotCount)
        for slot in 0..<users.slotCount {
            w.bool(users.isLive(slot))
            guard users.isLive(slot) else { continue }
            w.string(users.id(slot))
            Self.write(users.states[slot], to: &w)
        }
        w.unsigned(users.freeSlots.count)
        for slot in users.freeSlots { w.unsigned(slot) }

        let sessions = operators.sessions
        w.unsigned(sessions.slotCount)
        for index in 0..<UInt32(sessions.slotCount) {
            let s = sessions[index]
            w.signed(s.start)
            w.signed(s.end)
            w.unsigned(s.events)
            w.double(s.revenue)
            let ids = sessions.eventIDs(index)
            w.unsigned(ids.count)
            for id in ids { w.fixed64(id) }
        }
        w.unsigned(sessions.freeSlots.count)
        for slot in sessions.freeSlots { w.unsigned(slot) }

        let closes = operators.timers.sessionCloses
        w.unsigned(closes.count)
        for t in closes {
            w.signed(t.instant)
            w.unsigned(t.slot)
        }
        for timers in [operators.timers.sessionReschedules.unordered.sorted(), operators.timers.dayTimers.ordered] {
            w.unsigned(timers.count)
            for t in timers {
                w.signed(t.instant)
                w.unsigned(t.slot)
            }
        }

        let events = buffer.sortedEvents
        w.unsigned(events.count)
        for e in events {
            w.signed(e.timestamp)
            w.unsigned(e.sequence)
            w.string(e.userID)
            w.fixed64(e.eventIDHash)
            w.unsigned(e.kind.rawValue)
            w.unsigned(e.zone)
            w.double(e.revenue)
            w.optionalString(e.campaign)
            w.optionalString(e.variant)
        }
        return w.bytes
    }

    /// A processor restored from `exportSnapshot()` output, with the same `rules`.
    public init(snapshot: [UInt8], rules: RetentionRules) throws(PartitionProcessorError) {
        var r = SnapshotReader(snapshot)
        guard try r.raw(4) == Self.snapshotMagic else { throw .badSnapshot("not a Revisit partition snapshot") }
        let version = try r.unsigned()
        guard version == Self.snapshotVersion else { throw .badSnapshot("unsupported snapshot version \(version)") }
        let zone = try r.string()
        guard zone == rules.timezone else {
            throw .badSnapshot("snapshot was taken with timezone \(zone), not \(rules.timezone)")
        }
        try self.init(rules: rules, wallClock: try r.signed())
        counters.received = try r.unsigned()
        counters.applied = try r.unsigned()
        counters.duplicates = try r.unsigned()
        for _ in 0..<(try r.count()) {
            let rank = try r.unsigned(as: Int.self)
            guard rank < DeadLetterReason.allCases.count else { throw .badSnapshot("bad reason code \(rank)") }
            counters.deadLetters[DeadLetterReason.allCases[rank]] = try r.unsigned()
        }
        maxTimestamp = try r.bool() ? try r.signed() : nil
        watermark = try r.signed()
        sequence = try r.unsigned()

        let zoneCount = try r.count()
        for expected in 0..<zoneCount {
            let name = try r.string()
            guard let id = operators.zones.resolve(name), Int(id) == expected else {
                throw .badSnapshot("time zone \(name) cannot be restored")
            }
        }
        var names: [String] = []
        for _ in 0..<(try r.count()) { names.append(try r.string()) }
        operators.campaigns = Interner(names: names)

        var slots: [(id: String, state: UserState)?] = []
        for _ in 0..<(try r.count()) {
            if try r.bool() {
                let id = try r.string()
                slots.append((id, try Self.readState(&r, zones: zoneCount)))
            } else {
                slots.append(nil)
            }
        }
        var freeUsers: [UInt32] = []
        for _ in 0..<(try r.count()) { freeUsers.append(try r.unsigned(as: UInt32.self)) }
        operators.users = UserTable(slots: slots, freeSlots: freeUsers)

        var sessions: [(session: OpenSession, eventIDs: [UInt64])] = []
        for _ in 0..<(try r.count()) {
            let start = try r.signed(), end = try r.signed()
            let events = try r.unsigned(as: UInt32.self)
            let revenue = try r.double()
            var ids: [UInt64] = []
            for _ in 0..<(try r.count()) { ids.append(try r.fixed64()) }
            sessions.append((OpenSession(start: start, end: end, events: events, revenue: revenue), ids))
        }
        var freeSessions: [UInt32] = []
        for _ in 0..<(try r.count()) { freeSessions.append(try r.unsigned(as: UInt32.self)) }
        operators.sessions = OpenSessionTable(sessions: sessions, freeSlots: freeSessions)
        // References between the parts must hold, or later processing would trap.
        for slot in 0..<slots.count {
            guard let state = slots[slot]?.state else { continue }
            guard Int(state.openSession) <= sessions.count,
                  Int(state.touchCampaign) <= names.count, Int(state.touchVariant) <= names.count
            else { throw .badSnapshot("user slot \(slot) refers to a missing session or campaign") }
        }
        guard freeUsers.allSatisfy({ Int($0) < slots.count && slots[Int($0)] == nil }),
              freeSessions.allSatisfy({ Int($0) < sessions.count })
        else { throw .badSnapshot("bad free list") }
        for slot in 0..<slots.count {
            guard let open = slots[slot]?.state.openSession, open != 0 else { continue }
            operators.sessions.setOwner(open - 1, UInt32(slot))
        }

        var closes = Deque<UserTimer>()
        for _ in 0..<(try r.count()) {
            closes.append(UserTimer(instant: try r.signed(), slot: try Self.slot(&r, slots.count)))
        }
        var heaps: [[UserTimer]] = [[], []]
        for k in 0..<2 {
            for _ in 0..<(try r.count()) {
                heaps[k].append(UserTimer(instant: try r.signed(), slot: try Self.slot(&r, slots.count)))
            }
        }
        operators.timers.sessionCloses = closes
        operators.timers.sessionReschedules = Heap(heaps[0])
        operators.timers.dayTimers = DayTimerWheel(timers: heaps[1])

        var events: [TimedEvent] = []
        for _ in 0..<(try r.count()) {
            let ts = try r.signed()
            let sequence = try r.unsigned()
            let user = try r.string()
            let hash = try r.fixed64()
            guard let kind = EventKind(rawValue: try r.unsigned(as: UInt8.self)) else { throw .badSnapshot("bad event kind") }
            let zone = try r.unsigned(as: UInt16.self)
            guard zone == ZoneRegistry.none || Int(zone) < zoneCount else { throw .badSnapshot("bad zone id") }
            events.append(TimedEvent(
                timestamp: ts, sequence: sequence, userID: user, eventIDHash: hash, kind: kind, zone: zone,
                revenue: try r.double(), campaign: try r.optionalString(), variant: try r.optionalString()))
        }
        buffer = ReorderBuffer(events: events)
        guard r.isAtEnd else { throw .badSnapshot("trailing bytes") }
    }

    private static func slot(_ r: inout SnapshotReader, _ count: Int) throws(PartitionProcessorError) -> UInt32 {
        let slot = try r.unsigned(as: UInt32.self)
        guard Int(slot) < count else { throw .badSnapshot("timer for unknown slot \(slot)") }
        return slot
    }

    // MARK: - User state

    private static func write(_ u: UserState, to w: inout SnapshotWriter) {
        w.signed(u.firstSeen)
        w.signed(u.lastSeen - u.firstSeen)
        w.double(u.revenueTotal)
        w.signed(u.closedSessionMilliseconds)
        w.signed(u.lastSessionStart)
        w.unsigned(u.lastSessionEvents)
        w.unsigned(u.eventsTotal)
        w.unsigned(u.closedSessions)
        w.unsigned(u.visitDaysTotal)
        w.unsigned(u.recallsTotal)
        w.unsigned(u.visitsLow)
        w.unsigned(u.visitsHigh)
        w.signed(Int64(u.firstVisitDay))
        w.signed(Int64(u.lastVisitDay))
        w.signed(Int64(u.lastReturnDay))
        w.unsigned(u.streakRun)
        w.unsigned(u.longestStreak)
        w.unsigned(u.touchCampaign)
        w.unsigned(u.touchVariant)
        w.signed(u.touchAt)
        w.signed(Int64(u.lastRiskAlertMinute))
        w.signed(u.nextDayTimer)
        w.unsigned(u.openSession)
        w.unsigned(u.zone)
        w.bool(u.hasActivity)
    }

    private static func readState(_ r: inout SnapshotReader, zones: Int) throws(PartitionProcessorError) -> UserState {
        var u = UserState()
        u.firstSeen = try r.signed()
        u.lastSeen = u.firstSeen &+ (try r.signed())
        u.revenueTotal = try r.double()
        u.closedSessionMilliseconds = try r.signed()
        u.lastSessionStart = try r.signed()
        u.lastSessionEvents = try r.unsigned(as: UInt32.self)
        u.eventsTotal = try r.unsigned(as: UInt32.self)
        u.closedSessions = try r.unsigned(as: UInt32.self)
        u.visitDaysTotal = try r.unsigned(as: UInt32.self)
        u.recallsTotal = try r.unsigned(as: UInt32.self)
        u.visitsLow = try r.unsigned()
        u.visitsHigh = try r.unsigned()
        u.firstVisitDay = try Self.day(&r)
        u.lastVisitDay = try Self.day(&r)
        u.lastReturnDay = try Self.day(&r)
        u.streakRun = try r.unsigned(as: UInt16.self)
        u.longestStreak = try r.unsigned(as: UInt16.self)
        u.touchCampaign = try r.unsigned(as: UInt32.self)
        u.touchVariant = try r.unsigned(as: UInt32.self)
        u.touchAt = try r.signed()
        u.lastRiskAlertMinute = try Self.day(&r)
        u.nextDayTimer = try r.signed()
        u.openSession = try r.unsigned(as: UInt32.self)
        u.zone = try r.unsigned(as: UInt16.self)
        guard Int(u.zone) < zones else { throw .badSnapshot("bad zone id \(u.zone)") }
        u.hasActivity = try r.bool()
        return u
    }

    private static func day(_ r: inout SnapshotReader) throws(PartitionProcessorError) -> Int32 {
        let v = try r.signed()
        guard let day = Int32(exactly: v) else { throw .badSnapshot("day \(v) out of range") }
        return day
    }
}
