import RevisitCore

/// A profile record (SPEC 6) in 104 bytes instead of the ~600 of its JSON: the field names are
/// implied, times and dates are integers, decimals are integers of their last written digit,
/// and the campaign name is an index into the table's list of names.
///
/// It holds exactly what the JSON says, so ``write(userID:campaign:to:)`` gives back the bytes
/// the pipeline wrote; ``ProfileTable`` checks that for every record it packs.
struct PackedProfile: Sendable, Equatable {
    // MARK: - Fields

    var firstSeen: Int64
    var lastSeen: Int64
    var sessionStart: Int64
    var sessionEnd: Int64
    /// `avg_session_seconds` in thousandths of a second, as written (3 places).
    var averageSessionMillis: Int64
    /// `revenue_total` in millionths, as written (6 places).
    var revenueMicros: Int64
    var asOf: Int32
    var firstVisitDay: Int32
    var lastVisitDay: Int32
    var eventsTotal: UInt32
    var sessionsTotal: UInt32
    var visitDaysTotal: UInt32
    var sessionEvents: UInt32
    var recallsTotal: UInt32
    /// `p_alive` and `churn_risk` in millionths, as written (6 places).
    var pAliveMicros: UInt32
    var churnRiskMicros: UInt32
    /// 0 for `null`, else 1 + the index of the name in the table's campaign list.
    var lastCampaign: UInt32
    var currentStreak: UInt16
    var longestStreak: UInt16
    var vd7: UInt8
    var vd28: UInt8
    var vd30: UInt8
    var vd90: UInt8
    var segment: Segment
    var lifecycle: LifecycleStage

    /// The profile of `json` and its `last_campaign`, or nil when the record is not in the
    /// pipeline's layout or a value does not fit its field.
    static func parse(_ json: UnsafeRawBufferPointer) -> (profile: PackedProfile, campaign: String?)? {
        var s = ProfileJSONScanner(json)
        guard s.literal(#"{"user_id":"#), s.plainString() != nil,
              s.literal(#","as_of":"#), let asOf = s.date().flatMap(Int32.init(exactly:)),
              s.literal(#","first_seen":"#), let firstSeen = s.timestamp(),
              s.literal(#","last_seen":"#), let lastSeen = s.timestamp(),
              s.literal(#","first_visit_day":"#), let firstVisitDay = s.date().flatMap(Int32.init(exactly:)),
              s.literal(#","last_visit_day":"#), let lastVisitDay = s.date().flatMap(Int32.init(exactly:)),
              s.literal(#","events_total":"#), let eventsTotal = s.count().flatMap(UInt32.init(exactly:)),
              s.literal(#","sessions_total":"#), let sessionsTotal = s.count().flatMap(UInt32.init(exactly:)),
              s.literal(#","visit_days_total":"#), let visitDaysTotal = s.count().flatMap(UInt32.init(exactly:)),
              s.literal(#","avg_session_seconds":"#), let averageSessionMillis = s.fixedPoint(places: 3),
              s.literal(#","last_session":{"start":"#), let sessionStart = s.timestamp(),
              s.literal(#","end":"#), let sessionEnd = s.timestamp(),
              s.literal(#","events":"#), let sessionEvents = s.count().flatMap(UInt32.init(exactly:)),
              // Derived from start and end: the check after packing compares it.
              s.literal(#","duration_s":"#), s.fixedPoint(places: 3) != nil,
              s.literal(#"},"current_streak":"#), let currentStreak = s.count().flatMap(UInt16.init(exactly:)),
              s.literal(#","longest_streak":"#), let longestStreak = s.count().flatMap(UInt16.init(exactly:)),
              s.literal(#","vd_7":"#), let vd7 = s.count().flatMap(UInt8.init(exactly:)),
              s.literal(#","vd_28":"#), let vd28 = s.count().flatMap(UInt8.init(exactly:)),
              s.literal(#","vd_30":"#), let vd30 = s.count().flatMap(UInt8.init(exactly:)),
              s.literal(#","vd_90":"#), let vd90 = s.count().flatMap(UInt8.init(exactly:)),
              s.literal(#","segment":"#), let segment = Self.segment(&s),
              s.literal(#","lifecycle":"#), let lifecycle = Self.lifecycle(&s),
              s.literal(#","p_alive":"#), let pAlive = s.fixedPoint(places: 6).flatMap(UInt32.init(exactly:)),
              s.literal(#","churn_risk":"#), let churnRisk = s.fixedPoint(places: 6).flatMap(UInt32.init(exactly:)),
              s.literal(#","revenue_total":"#), let revenueMicros = s.fixedPoint(places: 6),
              s.literal(#","recalls_total":"#), let recallsTotal = s.count().flatMap(UInt32.init(exactly:)),
              s.literal(#","last_campaign":"#)
        else { return nil }
        var campaign: String?
        if !s.literal("null") {
            guard let range = s.plainString() else { return nil }
            campaign = String(decoding: UnsafeRawBufferPointer(rebasing: json[range]), as: UTF8.self)
        }
        guard s.literal(#","schema_version":"#), s.count() == Int64(ProfileRecord.schemaVersion), s.literal("}"), s.isAtEnd
        else { return nil }
        let profile = PackedProfile(
            firstSeen: firstSeen, lastSeen: lastSeen, sessionStart: sessionStart, sessionEnd: sessionEnd,
            averageSessionMillis: averageSessionMillis, revenueMicros: revenueMicros, asOf: asOf,
            firstVisitDay: firstVisitDay, lastVisitDay: lastVisitDay, eventsTotal: eventsTotal,
            sessionsTotal: sessionsTotal, visitDaysTotal: visitDaysTotal, sessionEvents: sessionEvents,
            recallsTotal: recallsTotal, pAliveMicros: pAlive, churnRiskMicros: churnRisk, lastCampaign: 0,
            currentStreak: currentStreak, longestStreak: longestStreak, vd7: vd7, vd28: vd28, vd30: vd30, vd90: vd90,
            segment: segment, lifecycle: lifecycle)
        return (profile, campaign)
    }

    private static func segment(_ s: inout ProfileJSONScanner) -> Segment? {
        guard let range = s.plainString() else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: s.bytes[range])
        return Segment.allCases.first { $0.staticName.matches(name) }
    }

    private static func lifecycle(_ s: inout ProfileJSONScanner) -> LifecycleStage? {
        guard let range = s.plainString() else { return nil }
        let name = UnsafeRawBufferPointer(rebasing: s.bytes[range])
        return LifecycleStage.allCases.first { $0.staticName.matches(name) }
    }

    // MARK: - JSON

    /// The profile's JSON, in the pipeline's layout and formatting.
    func write(userID: UnsafeRawBufferPointer, campaign: String?, to out: inout JSONBuffer) {
        out.byte(0x7B)
        out.key("user_id", first: true)
        out.string(bytes: userID)
        out.key("as_of")
        out.date(Int64(asOf))
        out.key("first_seen")
        out.timestamp(firstSeen)
        out.key("last_seen")
        out.timestamp(lastSeen)
        out.key("first_visit_day")
        out.date(Int64(firstVisitDay))
        out.key("last_visit_day")
        out.date(Int64(lastVisitDay))
        out.key("events_total")
        out.integer(eventsTotal)
        out.key("sessions_total")
        out.integer(sessionsTotal)
        out.key("visit_days_total")
        out.integer(visitDaysTotal)
        out.key("avg_session_seconds")
        out.decimal(Double(averageSessionMillis) / 1000, places: 3)
        out.key("last_session")
        out.byte(0x7B)
        out.key("start", first: true)
        out.timestamp(sessionStart)
        out.key("end")
        out.timestamp(sessionEnd)
        out.key("events")
        out.integer(sessionEvents)
        out.key("duration_s")
        out.decimal(Double(sessionEnd - sessionStart) / 1000, places: 3)
        out.byte(0x7D)
        out.key("current_streak")
        out.integer(currentStreak)
        out.key("longest_streak")
        out.integer(longestStreak)
        out.key("vd_7")
        out.integer(vd7)
        out.key("vd_28")
        out.integer(vd28)
        out.key("vd_30")
        out.integer(vd30)
        out.key("vd_90")
        out.integer(vd90)
        out.key("segment")
        out.string(segment.staticName)
        out.key("lifecycle")
        out.string(lifecycle.staticName)
        out.key("p_alive")
        out.decimal(Double(pAliveMicros) / 1_000_000)
        out.key("churn_risk")
        out.decimal(Double(churnRiskMicros) / 1_000_000)
        out.key("revenue_total")
        out.decimal(Double(revenueMicros) / 1_000_000)
        out.key("recalls_total")
        out.integer(recallsTotal)
        out.key("last_campaign")
        if let campaign {
            out.string(campaign)
        } else {
            out.raw("null")
        }
        out.key("schema_version")
        out.integer(ProfileRecord.schemaVersion)
        out.byte(0x7D)
    }
}

extension StaticString {
    /// Whether the bytes are this ASCII name.
    fileprivate func matches(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count == utf8CodeUnitCount else { return false }
        for i in 0..<bytes.count where bytes[i] != utf8Start[i] { return false }
        return true
    }
}
