/// An input event that passed the schema checks of the decoder (everything up to
/// `key_mismatch`). The processor still checks the zone, the time range and lateness.
///
/// Only what the operators use is kept: the event id is reduced to a 64-bit hash (duplicates
/// are detected within a session), `type` to its kind, and `channel` and `props` are
/// validated but not carried.
public struct ParsedEvent: Sendable, Equatable {
    public var userID: String
    /// FNV-1a 64 of the `event_id` bytes.
    public var eventIDHash: UInt64
    public var kind: EventKind
    /// Event time, epoch milliseconds.
    public var timestamp: Int64
    /// The `tz` field as written, not yet resolved.
    public var timeZoneName: String?
    /// `revenue`, 0 when absent.
    public var revenue: Double
    public var campaign: String?
    public var variant: String?

    public init(
        userID: String, eventIDHash: UInt64, kind: EventKind, timestamp: Int64,
        timeZoneName: String? = nil, revenue: Double = 0, campaign: String? = nil, variant: String? = nil
    ) {
        self.userID = userID
        self.eventIDHash = eventIDHash
        self.kind = kind
        self.timestamp = timestamp
        self.timeZoneName = timeZoneName
        self.revenue = revenue
        self.campaign = campaign
        self.variant = variant
    }
}
