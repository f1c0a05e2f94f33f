/// The JSON forms of the output records (SPEC 6), one line each, fields in a fixed order.
public enum OutputEncoder {
    /// Appends the JSON of any record (a tombstone as `{"user_id":…,"tombstone":true}`).
    public static func append(_ record: borrowing OutputRecord, to out: inout JSONBuffer) {
        switch record {
        case .profile(let p): append(p, to: &out)
        case .session(let s): append(s, to: &out)
        case .alert(let a): append(a, to: &out)
        case .deadLetter(let d): append(d, to: &out)
        case .metrics(let m, _): append(m, to: &out)
        case .tombstone(let user, _):
            out.byte(0x7B)
            out.key("user_id", first: true)
            out.string(user)
            out.raw(",\"tombstone\":true}")
        }
    }

    /// The JSON of a record as its own byte array (a loop encoding many records reuses one
    /// ``JSONBuffer`` with ``append(_:to:)`` instead).
    public static func encode(_ record: OutputRecord) -> [UInt8] {
        var out = JSONBuffer()
        append(record, to: &out)
        return out.bytes
    }

    public static func append(_ p: ProfileRecord, to out: inout JSONBuffer) {
        out.byte(0x7B)
        out.key("user_id", first: true)
        out.string(p.userID)
        out.key("as_of")
        out.date(p.asOf)
        out.key("first_seen")
        out.timestamp(p.firstSeen)
        out.key("last_seen")
        out.timestamp(p.lastSeen)
        out.key("first_visit_day")
        out.date(p.firstVisitDay)
        out.key("last_visit_day")
        out.date(p.lastVisitDay)
        out.key("events_total")
        out.integer(p.eventsTotal)
        out.key("sessions_total")
        out.integer(p.sessionsTotal)
        out.key("visit_days_total")
        out.integer(p.visitDaysTotal)
        out.key("avg_session_seconds")
        out.decimal(p.averageSessionMilliseconds / 1000, places: 3)
        out.key("last_session")
        out.byte(0x7B)
        out.key("start", first: true)
        out.timestamp(p.lastSession.start)
        out.key("end")
        out.timestamp(p.lastSession.end)
        out.key("events")
        out.integer(p.lastSession.events)
        out.key("duration_s")
        out.decimal(Double(p.lastSession.durationMilliseconds) / 1000, places: 3)
        out.byte(0x7D)
        out.key("current_streak")
        out.integer(p.currentStreak)
        out.key("longest_streak")
        out.integer(p.longestStreak)
        out.key("vd_7")
        out.integer(p.vd7)
        out.key("vd_28")
        out.integer(p.vd28)
        out.key("vd_30")
        out.integer(p.vd30)
        out.key("vd_90")
        out.integer(p.vd90)
        out.key("segment")
        out.string(p.segment.staticName)
        out.key("lifecycle")
        out.string(p.lifecycle.staticName)
        out.key("p_alive")
        out.decimal(p.pAlive)
        out.key("churn_risk")
        out.decimal(p.churnRisk)
        out.key("revenue_total")
        out.decimal(p.revenueTotal)
        out.key("recalls_total")
        out.integer(p.recallsTotal)
        out.key("last_campaign")
        if let campaign = p.lastCampaign {
            out.string(campaign)
        } else {
            out.raw("null")
        }
        out.key("schema_version")
        out.integer(ProfileRecord.schemaVersion)
        out.byte(0x7D)
    }

    public static func append(_ s: SessionRecord, to out: inout JSONBuffer) {
        out.byte(0x7B)
        out.key("user_id", first: true)
        out.string(s.userID)
        out.key("start")
        out.timestamp(s.start)
        out.key("end")
        out.timestamp(s.end)
        out.key("duration_s")
        out.decimal(Double(s.durationMilliseconds) / 1000, places: 3)
        out.key("events")
        out.integer(s.events)
        out.key("revenue")
        out.decimal(s.revenue)
        out.key("closed_at")
        out.timestamp(s.closedAt)
        out.key("schema_version")
        out.integer(ProfileRecord.schemaVersion)
        out.byte(0x7D)
    }

    public static func append(_ a: AlertRecord, to out: inout JSONBuffer) {
        out.byte(0x7B)
        out.key("alert_id", first: true)
        out.string(alertIDText(a.alertID))
        out.key("user_id")
        out.string(a.userID)
        out.key("type")
        out.string(a.type.rawValue)
        out.key("severity")
        out.string(a.type.severity)
        out.key("at")
        out.timestamp(a.at)
        out.key("segment")
        out.string(a.segment.staticName)
        out.key("lifecycle")
        out.string(a.lifecycle.staticName)
        out.key("churn_risk")
        out.decimal(a.churnRisk)
        out.key("current_streak")
        out.integer(a.currentStreak)
        out.key("details")
        out.byte(0x7B)
        var first = true
        func key(_ name: StaticString) {
            out.key(name, first: first)
            first = false
        }
        let d = a.details
        if let v = d.streak { key("streak"); out.integer(v) }
        if let v = d.daysSinceLastVisit { key("days_since_last_visit"); out.integer(v) }
        if let v = d.daysAbsent { key("days_absent"); out.integer(v) }
        if let v = d.campaign { key("campaign"); out.string(v) }
        if let v = d.variant { key("variant"); out.string(v) }
        if let v = d.touchedAt { key("touched_at"); out.timestamp(v) }
        out.byte(0x7D)
        out.byte(0x7D)
    }

    /// The daily aggregate of SPEC 7, fields in the SPEC table's order.
    public static func append(_ m: DailyMetricsRecord, to out: inout JSONBuffer) {
        appendFields(of: m, to: &out)
        out.byte(0x7D)
    }

    /// A daily aggregate's object without its closing brace, for a report that adds fields
    /// after the record's: a sum over partitions (`partition` nil) names how many it adds up
    /// in `partitions` instead, and each `retention.dN` gets its `retentionRates[i]` as `rate`
    /// when there is one.
    public static func appendFields(
        of m: DailyMetricsRecord, to out: inout JSONBuffer, partitions: Int? = nil, retentionRates: [Double?] = []
    ) {
        out.byte(0x7B)
        out.key("date", first: true)
        out.date(m.date)
        if let partitions, m.partition == nil {
            out.key("partitions")
            out.integer(partitions)
        } else {
            out.key("partition")
            if let partition = m.partition { out.integer(partition) } else { out.raw("null") }
        }
        out.key("active_users")
        out.integer(m.activeUsers)
        out.key("wau")
        out.integer(m.wau)
        out.key("mau")
        out.integer(m.mau)
        out.key("new_users")
        out.integer(m.newUsers)
        out.key("tiers")
        out.byte(0x7B)
        for tier in Segment.allCases {
            out.key(tier.staticName, first: tier.rawValue == 0)
            out.integer(m.tiers[Int(tier.rawValue)])
        }
        out.byte(0x7D)
        out.key("stages")
        out.byte(0x7B)
        for (n, stage) in LifecycleStage.reportOrder.enumerated() {
            out.key(stage.staticName, first: n == 0)
            out.integer(m.stages[Int(stage.rawValue)])
        }
        out.byte(0x7D)
        out.key("became_churned")
        out.integer(m.becameChurned)
        out.key("recalled")
        out.integer(m.recalled)
        out.key("churned_at_start")
        out.integer(m.churnedAtStart)
        out.key("revisit")
        out.byte(0x7B)
        out.key("base", first: true)
        out.integer(m.revisit.base)
        out.key("returned")
        out.integer(m.revisit.returned)
        out.byte(0x7D)
        out.key("retention")
        out.byte(0x7B)
        let names: [StaticString] = ["d1", "d7", "d30"]
        for (i, cohort) in m.retention.enumerated() {
            out.key(names[i], first: i == 0)
            out.byte(0x7B)
            out.key("cohort", first: true)
            out.integer(cohort.base)
            out.key("retained")
            out.integer(cohort.returned)
            if i < retentionRates.count, let rate = retentionRates[i] {
                out.key("rate")
                out.decimal(rate)
            }
            out.byte(0x7D)
        }
        out.byte(0x7D)
        out.key("campaigns")
        out.byte(0x5B)
        for (i, c) in m.campaigns.enumerated() {
            if i > 0 { out.byte(0x2C) }
            appendFields(of: c, to: &out)
            out.byte(0x7D)
        }
        out.byte(0x5D)
    }

    /// A campaign entry's object without its closing brace (`campaign`, `variant`, null when
    /// missing, `matured`, `returned`), for a report that adds fields after them.
    public static func appendFields(of c: DailyMetricsRecord.CampaignOutcome, to out: inout JSONBuffer) {
        out.byte(0x7B)
        out.key("campaign", first: true)
        out.string(c.campaign)
        out.key("variant")
        if let variant = c.variant { out.string(variant) } else { out.raw("null") }
        out.key("matured")
        out.integer(c.matured)
        out.key("returned")
        out.integer(c.returned)
    }

    /// `{"error":…,"detail":…,"source":…,"key":…,"value":…}`: `value` is the original
    /// message as a JSON string.
    public static func append(_ d: DeadLetterRecord, to out: inout JSONBuffer) {
        out.byte(0x7B)
        out.key("error", first: true)
        out.string(d.reason.rawValue)
        out.key("detail")
        out.string(d.detail)
        out.key("source")
        out.string(d.source.description)
        out.key("key")
        if let key = d.key {
            key.withUnsafeBytes { out.string(bytes: $0) }
        } else {
            out.raw("null")
        }
        out.key("value")
        d.value.withUnsafeBytes { out.string(bytes: $0) }
        out.byte(0x7D)
    }

    /// An `alert_id` as 16 lowercase hex digits.
    public static func alertIDText(_ id: UInt64) -> String {
        String(decoding: alertIDBytes(id), as: UTF8.self)
    }

    /// An `alert_id` (or any record identity) as the bytes of 16 lowercase hex digits.
    static func alertIDBytes(_ id: UInt64) -> [UInt8] {
        let digits: StaticString = "0123456789abcdef"
        return [UInt8](unsafeUninitializedCapacity: 16) { buffer, count in
            for k in 0..<16 {
                buffer[k] = digits.utf8Start[Int((id >> UInt64(60 - 4 * k)) & 15)]
            }
            count = 16
        }
    }
}
