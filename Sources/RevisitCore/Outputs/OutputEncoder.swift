/// The JSON forms of the output records (SPEC 6), one line each, fields in a fixed order.
public enum OutputEncoder {
    /// Appends the JSON of any record (a tombstone as `{"user_id":…,"tombstone":true}`).
    public static func append(_ record: OutputRecord, to out: inout [UInt8]) {
        switch record {
        case .profile(let p): append(p, to: &out)
        case .session(let s): append(s, to: &out)
        case .alert(let a): append(a, to: &out)
        case .deadLetter(let d): append(d, to: &out)
        case .tombstone(let user, _):
            out.append(0x7B)
            JSONText.appendKey("user_id", to: &out, first: true)
            JSONText.appendString(user, to: &out)
            JSONText.appendRaw(",\"tombstone\":true}", to: &out)
        }
    }

    /// The JSON of a record as its own byte array.
    public static func encode(_ record: OutputRecord) -> [UInt8] {
        var out: [UInt8] = []
        // A profile is about 700 bytes: one allocation instead of a growth sequence.
        out.reserveCapacity(1024)
        append(record, to: &out)
        return out
    }

    public static func append(_ p: ProfileRecord, to out: inout [UInt8]) {
        out.append(0x7B)
        JSONText.appendKey("user_id", to: &out, first: true)
        JSONText.appendString(p.userID, to: &out)
        JSONText.appendKey("as_of", to: &out)
        JSONText.appendDate(p.asOf, to: &out)
        JSONText.appendKey("first_seen", to: &out)
        JSONText.appendTimestamp(p.firstSeen, to: &out)
        JSONText.appendKey("last_seen", to: &out)
        JSONText.appendTimestamp(p.lastSeen, to: &out)
        JSONText.appendKey("first_visit_day", to: &out)
        JSONText.appendDate(p.firstVisitDay, to: &out)
        JSONText.appendKey("last_visit_day", to: &out)
        JSONText.appendDate(p.lastVisitDay, to: &out)
        JSONText.appendKey("events_total", to: &out)
        JSONText.appendInteger(p.eventsTotal, to: &out)
        JSONText.appendKey("sessions_total", to: &out)
        JSONText.appendInteger(p.sessionsTotal, to: &out)
        JSONText.appendKey("visit_days_total", to: &out)
        JSONText.appendInteger(p.visitDaysTotal, to: &out)
        JSONText.appendKey("avg_session_seconds", to: &out)
        JSONText.appendDecimal(p.averageSessionMilliseconds / 1000, places: 3, to: &out)
        JSONText.appendKey("last_session", to: &out)
        out.append(0x7B)
        JSONText.appendKey("start", to: &out, first: true)
        JSONText.appendTimestamp(p.lastSession.start, to: &out)
        JSONText.appendKey("end", to: &out)
        JSONText.appendTimestamp(p.lastSession.end, to: &out)
        JSONText.appendKey("events", to: &out)
        JSONText.appendInteger(p.lastSession.events, to: &out)
        JSONText.appendKey("duration_s", to: &out)
        JSONText.appendDecimal(Double(p.lastSession.durationMilliseconds) / 1000, places: 3, to: &out)
        out.append(0x7D)
        JSONText.appendKey("current_streak", to: &out)
        JSONText.appendInteger(p.currentStreak, to: &out)
        JSONText.appendKey("longest_streak", to: &out)
        JSONText.appendInteger(p.longestStreak, to: &out)
        JSONText.appendKey("vd_7", to: &out)
        JSONText.appendInteger(p.vd7, to: &out)
        JSONText.appendKey("vd_28", to: &out)
        JSONText.appendInteger(p.vd28, to: &out)
        JSONText.appendKey("vd_30", to: &out)
        JSONText.appendInteger(p.vd30, to: &out)
        JSONText.appendKey("vd_90", to: &out)
        JSONText.appendInteger(p.vd90, to: &out)
        JSONText.appendKey("segment", to: &out)
        JSONText.appendString(p.segment.name, to: &out)
        JSONText.appendKey("lifecycle", to: &out)
        JSONText.appendString(p.lifecycle.name, to: &out)
        JSONText.appendKey("p_alive", to: &out)
        JSONText.appendDecimal(p.pAlive, to: &out)
        JSONText.appendKey("churn_risk", to: &out)
        JSONText.appendDecimal(p.churnRisk, to: &out)
        JSONText.appendKey("revenue_total", to: &out)
        JSONText.appendDecimal(p.revenueTotal, to: &out)
        JSONText.appendKey("recalls_total", to: &out)
        JSONText.appendInteger(p.recallsTotal, to: &out)
        JSONText.appendKey("last_campaign", to: &out)
        if let campaign = p.lastCampaign {
            JSONText.appendString(campaign, to: &out)
        } else {
            JSONText.appendRaw("null", to: &out)
        }
        JSONText.appendKey("schema_version", to: &out)
        JSONText.appendInteger(ProfileRecord.schemaVersion, to: &out)
        out.append(0x7D)
    }

    public static func append(_ s: SessionRecord, to out: inout [UInt8]) {
        out.append(0x7B)
        JSONText.appendKey("user_id", to: &out, first: true)
        JSONText.appendString(s.userID, to: &out)
        JSONText.appendKey("start", to: &out)
        JSONText.appendTimestamp(s.start, to: &out)
        JSONText.appendKey("end", to: &out)
        JSONText.appendTimestamp(s.end, to: &out)
        JSONText.appendKey("duration_s", to: &out)
        JSONText.appendDecimal(Double(s.durationMilliseconds) / 1000, places: 3, to: &out)
        JSONText.appendKey("events", to: &out)
        JSONText.appendInteger(s.events, to: &out)
        JSONText.appendKey("revenue", to: &out)
        JSONText.appendDecimal(s.revenue, to: &out)
        JSONText.appendKey("closed_at", to: &out)
        JSONText.appendTimestamp(s.closedAt, to: &out)
        JSONText.appendKey("schema_version", to: &out)
        JSONText.appendInteger(ProfileRecord.schemaVersion, to: &out)
        out.append(0x7D)
    }

    public static func append(_ a: AlertRecord, to out: inout [UInt8]) {
        out.append(0x7B)
        JSONText.appendKey("alert_id", to: &out, first: true)
        JSONText.appendString(alertIDText(a.alertID), to: &out)
        JSONText.appendKey("user_id", to: &out)
        JSONText.appendString(a.userID, to: &out)
        JSONText.appendKey("type", to: &out)
        JSONText.appendString(a.type.rawValue, to: &out)
        JSONText.appendKey("severity", to: &out)
        JSONText.appendString(a.type.severity, to: &out)
        JSONText.appendKey("at", to: &out)
        JSONText.appendTimestamp(a.at, to: &out)
        JSONText.appendKey("segment", to: &out)
        JSONText.appendString(a.segment.name, to: &out)
        JSONText.appendKey("lifecycle", to: &out)
        JSONText.appendString(a.lifecycle.name, to: &out)
        JSONText.appendKey("churn_risk", to: &out)
        JSONText.appendDecimal(a.churnRisk, to: &out)
        JSONText.appendKey("current_streak", to: &out)
        JSONText.appendInteger(a.currentStreak, to: &out)
        JSONText.appendKey("details", to: &out)
        out.append(0x7B)
        var first = true
        func key(_ name: StaticString) {
            JSONText.appendKey(name, to: &out, first: first)
            first = false
        }
        let d = a.details
        if let v = d.streak { key("streak"); JSONText.appendInteger(v, to: &out) }
        if let v = d.daysSinceLastVisit { key("days_since_last_visit"); JSONText.appendInteger(v, to: &out) }
        if let v = d.daysAbsent { key("days_absent"); JSONText.appendInteger(v, to: &out) }
        if let v = d.campaign { key("campaign"); JSONText.appendString(v, to: &out) }
        if let v = d.variant { key("variant"); JSONText.appendString(v, to: &out) }
        if let v = d.touchedAt { key("touched_at"); JSONText.appendTimestamp(v, to: &out) }
        out.append(0x7D)
        out.append(0x7D)
    }

    /// `{"error":…,"detail":…,"source":…,"key":…,"value":…}`: `value` is the original
    /// message as a JSON string.
    public static func append(_ d: DeadLetterRecord, to out: inout [UInt8]) {
        out.append(0x7B)
        JSONText.appendKey("error", to: &out, first: true)
        JSONText.appendString(d.reason.rawValue, to: &out)
        JSONText.appendKey("detail", to: &out)
        JSONText.appendString(d.detail, to: &out)
        JSONText.appendKey("source", to: &out)
        JSONText.appendString(d.source.description, to: &out)
        JSONText.appendKey("key", to: &out)
        if let key = d.key {
            key.withUnsafeBytes { JSONText.appendString(bytes: $0, to: &out) }
        } else {
            JSONText.appendRaw("null", to: &out)
        }
        JSONText.appendKey("value", to: &out)
        d.value.withUnsafeBytes { JSONText.appendString(bytes: $0, to: &out) }
        out.append(0x7D)
    }

    /// An `alert_id` as 16 lowercase hex digits.
    public static func alertIDText(_ id: UInt64) -> String {
        String(decoding: alertIDBytes(id), as: UTF8.self)
    }

    /// An `alert_id` (or any record identity) as the bytes of 16 lowercase hex digits.
    public static func alertIDBytes(_ id: UInt64) -> [UInt8] {
        let digits: StaticString = "0123456789abcdef"
        return [UInt8](unsafeUninitializedCapacity: 16) { buffer, count in
            for k in 0..<16 {
                buffer[k] = digits.utf8Start[Int((id >> UInt64(60 - 4 * k)) & 15)]
            }
            count = 16
        }
    }
}
