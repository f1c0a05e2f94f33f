import Collections

// MARK: - Durable state: frame and user records (SPEC 8)

/// One user's durable state, or its erasure, as the runtime writes it to the state topic.
public struct UserStateChange: Sendable, Equatable {
    public var userID: String
    /// The user's record (``PartitionProcessor/userRecord(_:)`` format), nil when `forget` erased the user.
    public var record: [UInt8]?
}

/// A partition's state splits into a small **frame** (watermark, counters, interned names,
/// slot layout) and one **user record** per user (its state, open session and the
/// event ids of that session). The runtime writes the records of changed users and a frame at
/// every checkpoint, and all records in a snapshot; restoring takes the latest frame and the
/// latest record of every user. Timers are not stored: they follow from the user records
/// (a session closes at `end + session_gap`, the next day timer is kept in the state). Nor
/// are buffered events: they are re-read from the input (see ``bufferedOrigin`` and
/// ``rebuffer(value:key:source:)``).
///
/// Frame layout (version 3): magic `RVPF`, version, timezone, wall clock, counters,
/// largest timestamp, watermark, sequence, zone names, campaign names, slot count, free
/// slots, then the daily aggregates' carried counts (partition, open day, the open day's
/// counters, the `revisit` bases ahead, `churned_at_start`); their histograms and tier
/// counts follow from the user records. A user record starts with its own format version.
/// A build reads the versions it writes only: state kept by an older build is reset.
extension PartitionProcessor {
    static let frameMagic: [UInt8] = Array("RVPF".utf8)
    /// The frame format this code writes; it reads this one only.
    public static let frameVersion: UInt64 = 3
    /// The user record format this code writes; it reads this one only.
    public static let userRecordVersion: UInt64 = 2

    // MARK: - Change tracking

    /// Whether the processor lists changed users for ``takeChangedUsers()`` (off by default:
    /// a replay keeps no state topic).
    public var tracksChanges: Bool {
        get { operators.changes.isEnabled }
        set { operators.changes.isEnabled = newValue }
    }

    /// How many users ``takeChangedUsers()`` would list now.
    public var changedUserCount: Int { operators.changes.count }

    /// The users changed or erased since the last call, with their current records.
    public mutating func takeChangedUsers() -> [UserStateChange] {
        let (erased, slots) = operators.changes.take()
        var result = erased.map { UserStateChange(userID: $0, record: nil) }
        for slot in slots where operators.users.isLive(Int(slot)) {
            result.append(UserStateChange(userID: operators.users.id(Int(slot)), record: userRecord(Int(slot))))
        }
        return result
    }

    /// Lists a user as changed (or erased, when unknown) for the next ``takeChangedUsers()``:
    /// a restored task re-writes users whose uncommitted records a crashed owner left behind.
    public mutating func markChanged(_ userID: String) {
        if let slot = operators.users.slot(of: userID) {
            operators.changes.mark(slot)
        } else {
            operators.changes.markErased(userID)
        }
    }

    /// Every live user's record, in slot order (a snapshot).
    public func forEachUserRecord(_ body: (String, [UInt8]) throws -> Void) rethrows {
        for slot in 0..<operators.users.slotCount where operators.users.isLive(slot) {
            try body(operators.users.id(slot), userRecord(slot))
        }
    }

    // MARK: - Buffered events

    /// The smallest input offset among the events waiting in the reorder buffer, nil when it
    /// is empty. A checkpoint records it: the messages from there to the checkpoint's offset
    /// hold everything the buffer held.
    public var bufferedOrigin: Int64? { buffer.earliestOrigin }

    /// Re-reads a message that arrived before the checkpoint this processor was restored
    /// from. A valid event the watermark has not passed was waiting in the reorder buffer
    /// then, and goes back into it; anything else (applied, dead-lettered, too late) was
    /// handled before the checkpoint and is skipped. Counters and outputs do not change.
    /// - Returns: whether the event went back into the buffer.
    @discardableResult
    public mutating func rebuffer(value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?, source: SourcePosition) -> Bool {
        guard case .success(let event) = decoder.decode(value: value, key: key),
              event.timestamp > watermark,
              case .success(let zone) = checkZoneAndTime(event)
        else { return false }
        buffer.insert(timed(event, zone: zone, origin: source.offset))
        return true
    }

    // MARK: - Frame

    /// The partition-level part of the state.
    public func exportFrame() -> [UInt8] {
        var w = SnapshotWriter()
        w.raw(Self.frameMagic)
        w.unsigned(Self.frameVersion)
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
        w.unsigned(operators.users.slotCount)
        w.unsigned(operators.users.freeSlots.count)
        for slot in operators.users.freeSlots { w.unsigned(slot) }
        writeAggregates(&w)
        return w.bytes
    }

    private func writeAggregates(_ w: inout SnapshotWriter) {
        let a = operators.aggregates
        w.unsigned(a.partition)
        w.bool(a.openDay != nil)
        guard let openDay = a.openDay else { return }
        w.signed(openDay)
        for n in a.retained { w.signed(Int64(n)) }
        w.signed(Int64(a.becameChurned))
        w.signed(Int64(a.recalled))
        let maturities = a.maturities.sorted { ($0.key.campaign, $0.key.variant) < ($1.key.campaign, $1.key.variant) }
        w.unsigned(maturities.count)
        for (key, counts) in maturities {
            w.unsigned(key.campaign)
            w.unsigned(key.variant)
            w.unsigned(counts.base)
            w.unsigned(counts.returned)
        }
        for n in a.baseAhead { w.signed(Int64(n)) }
        w.signed(Int64(a.churnedAtStart))
    }

    /// Reads what ``writeAggregates(_:)`` wrote into a processor whose zones and campaign
    /// names are restored.
    private mutating func readAggregates(_ r: inout SnapshotReader, campaigns: Int) throws(PartitionProcessorError) {
        operators.aggregates = DailyAggregates(partition: try r.unsigned(as: Int.self))
        guard try r.bool() else { return }
        let day = try r.signed()
        guard abs(day) < 10_000_000 else { throw .badSnapshot("open day \(day) out of range") }
        operators.aggregates.open(
            day, start: operators.zones.midnight(of: day, zone: 0), end: operators.zones.midnight(of: day + 1, zone: 0))
        for i in operators.aggregates.retained.indices { operators.aggregates.retained[i] = Int(try r.signed()) }
        operators.aggregates.becameChurned = Int(try r.signed())
        operators.aggregates.recalled = Int(try r.signed())
        for _ in 0..<(try r.count()) {
            let key = DailyAggregates.CampaignKey(
                campaign: try r.unsigned(as: UInt32.self), variant: try r.unsigned(as: UInt32.self))
            guard Int(key.campaign) < campaigns, Int(key.variant) <= campaigns else {
                throw .badSnapshot("the daily aggregate names an unknown campaign")
            }
            operators.aggregates.maturities[key] = .init(
                base: try r.unsigned(as: Int.self), returned: try r.unsigned(as: Int.self))
        }
        for i in operators.aggregates.baseAhead.indices { operators.aggregates.baseAhead[i] = Int(try r.signed()) }
        operators.aggregates.churnedAtStart = Int(try r.signed())
    }

    // MARK: - User records

    /// The record of the user in `slot`: its slot, state and open session.
    func userRecord(_ slot: Int) -> [UInt8] {
        // Room for every field and an open session of a dozen events: one allocation.
        var w = SnapshotWriter(reservingCapacity: 192)
        w.unsigned(Self.userRecordVersion)
        w.unsigned(slot)
        let u = operators.users.states[slot]
        w.signed(u.firstSeen)
        w.signed(u.lastSeen &- u.firstSeen)
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
        w.unsigned(u.zone)
        w.unsigned(u.reportingDays)
        w.unsigned(u.countedStatus)
        w.bool(u.hasActivity)
        w.bool(u.openSession != 0)
        if u.openSession != 0 {
            let index = u.openSession - 1
            let s = operators.sessions[index]
            w.signed(s.start)
            w.signed(s.end &- s.start)
            w.unsigned(s.events)
            w.double(s.revenue)
            let ids = operators.sessions.eventIDs(index)
            w.unsigned(ids.count)
            for id in ids { w.fixed64(id) }
        }
        let touches = operators.touches.touches(of: UInt32(slot))
        w.unsigned(touches.count)
        for touch in touches {
            w.unsigned(touch.campaign)
            w.unsigned(touch.variant)
            w.signed(touch.at)
            w.bool(touch.matured)
        }
        return w.bytes
    }

    // MARK: - Restore

    /// A processor restored from a frame and the records of its users (in any order), with
    /// the same `rules`. Timers are rebuilt from the records; the reorder buffer starts empty
    /// (refill it with ``rebuffer(value:key:source:)``).
    public init(frame: [UInt8], users: [(userID: String, record: [UInt8])], rules: RetentionRules) throws(PartitionProcessorError) {
        var r = SnapshotReader(frame)
        guard try r.raw(4) == Self.frameMagic else { throw .badSnapshot("not a Revisit partition state frame") }
        let version = try r.unsigned()
        guard version == Self.frameVersion else {
            throw .badSnapshot("state frame version \(version) is not one this build reads (it reads version \(Self.frameVersion)); run the build that wrote it, or reset the application's state")
        }
        let zone = try r.string()
        guard zone == rules.timezone else {
            throw .badSnapshot("the state was kept with timezone \(zone), not \(rules.timezone): set timezone back, or reset the state")
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
        let slotCount = try r.unsigned(as: Int.self)
        var freeSlots: [UInt32] = []
        for _ in 0..<(try r.count()) { freeSlots.append(try r.unsigned(as: UInt32.self)) }
        try readAggregates(&r, campaigns: names.count)
        guard r.isAtEnd else { throw .badSnapshot("trailing bytes after the state frame") }
        // Checked before allocating the slots, so a corrupt count cannot ask for huge memory.
        guard slotCount == users.count + freeSlots.count else {
            throw .badSnapshot("the frame has \(slotCount) slots but there are \(users.count) user records and \(freeSlots.count) free slots")
        }

        var slots = [(id: String, state: UserState)?](repeating: nil, count: slotCount)
        var openSessions: [(slot: UInt32, session: OpenSession, eventIDs: [UInt64])] = []
        var maturities: [UserTimer] = []
        for (userID, record) in users {
            let (slot, state, open, touches) = try Self.readUserRecord(record, zones: zoneCount, campaigns: names.count)
            guard slot < slotCount, slots[slot] == nil, !userID.isEmpty else {
                throw .badSnapshot("the record of user \(userID) names slot \(slot), which is out of range or taken")
            }
            slots[slot] = (userID, state)
            if let open { openSessions.append((UInt32(slot), open.session, open.eventIDs)) }
            operators.touches.set(touches, slot: UInt32(slot))
            for touch in touches where !touch.matured {
                maturities.append(UserTimer(
                    instant: touch.at &+ rules.attributionWindow.milliseconds, slot: UInt32(slot), session: touch.campaign))
            }
        }
        operators.timers.touchMaturities = Heap(maturities)
        guard freeSlots.allSatisfy({ Int($0) < slotCount && slots[Int($0)] == nil }) else {
            throw .badSnapshot("a free slot of the frame is out of range or holds a user")
        }

        // Sessions get table indices in slot order; their closes are due at end + gap.
        openSessions.sort { $0.slot < $1.slot }
        operators.sessions = OpenSessionTable(sessions: openSessions.map { ($0.session, $0.eventIDs) }, freeSlots: [])
        var closes: [UserTimer] = []
        for (index, open) in openSessions.enumerated() {
            slots[Int(open.slot)]!.state.openSession = UInt32(index) + 1
            operators.sessions.setOwner(UInt32(index), open.slot)
            closes.append(UserTimer(
                instant: open.session.end &+ rules.sessionGap.milliseconds, slot: open.slot, session: UInt32(index)))
        }
        operators.timers.sessionCloses = Deque(closes.sorted())
        operators.timers.dayTimers = DayTimerWheel(timers: slots.indices.compactMap { slot in
            guard let instant = slots[slot]?.state.nextDayTimer, instant != .max else { return nil }
            return UserTimer(instant: instant, slot: UInt32(slot))
        })
        operators.users = UserTable(slots: slots, freeSlots: freeSlots)
        operators.restoreAggregates()
    }

    private static func readUserRecord(
        _ record: [UInt8], zones: Int, campaigns: Int
    ) throws(PartitionProcessorError) -> (
        slot: Int, state: UserState, open: (session: OpenSession, eventIDs: [UInt64])?, touches: [WinBackTouches.Touch]
    ) {
        var r = SnapshotReader(record)
        let version = try r.unsigned()
        guard version == userRecordVersion else {
            throw .badSnapshot("user record version \(version) is not one this build reads (it reads version \(userRecordVersion))")
        }
        let slot = try r.unsigned(as: Int.self)
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
        u.firstVisitDay = try day(&r)
        u.lastVisitDay = try day(&r)
        u.lastReturnDay = try day(&r)
        u.streakRun = try r.unsigned(as: UInt16.self)
        u.longestStreak = try r.unsigned(as: UInt16.self)
        u.touchCampaign = try r.unsigned(as: UInt32.self)
        u.touchVariant = try r.unsigned(as: UInt32.self)
        guard Int(u.touchCampaign) <= campaigns, Int(u.touchVariant) <= campaigns else {
            throw .badSnapshot("user record in slot \(slot) names an unknown campaign")
        }
        u.touchAt = try r.signed()
        u.lastRiskAlertMinute = try day(&r)
        u.nextDayTimer = try r.signed()
        u.zone = try r.unsigned(as: UInt16.self)
        guard Int(u.zone) < zones else { throw .badSnapshot("user record in slot \(slot) names unknown zone \(u.zone)") }
        u.reportingDays = try r.unsigned(as: UInt16.self)
        u.countedStatus = try r.unsigned(as: UInt8.self)
        guard StatusCode(rawValue: u.countedStatus).isValid else {
            throw .badSnapshot("user record in slot \(slot) has a bad status code \(u.countedStatus)")
        }
        u.hasActivity = try r.bool()
        var open: (session: OpenSession, eventIDs: [UInt64])?
        if try r.bool() {
            let start = try r.signed()
            let end = start &+ (try r.signed())
            let events = try r.unsigned(as: UInt32.self)
            let revenue = try r.double()
            var ids: [UInt64] = []
            for _ in 0..<(try r.count()) { ids.append(try r.fixed64()) }
            open = (OpenSession(start: start, end: end, events: events, revenue: revenue), ids)
        }
        var touches: [WinBackTouches.Touch] = []
        for _ in 0..<(try r.count()) {
            let touch = WinBackTouches.Touch(
                campaign: try r.unsigned(as: UInt32.self), variant: try r.unsigned(as: UInt32.self),
                at: try r.signed(), matured: try r.bool())
            guard Int(touch.campaign) < campaigns, Int(touch.variant) <= campaigns else {
                throw .badSnapshot("a touch in slot \(slot) names an unknown campaign")
            }
            touches.append(touch)
        }
        guard r.isAtEnd else { throw .badSnapshot("trailing bytes in the user record of slot \(slot)") }
        return (slot, u, open, touches)
    }

    private static func day(_ r: inout SnapshotReader) throws(PartitionProcessorError) -> Int32 {
        let v = try r.signed()
        guard let day = Int32(exactly: v) else { throw .badSnapshot("day \(v) out of range") }
        return day
    }
}
