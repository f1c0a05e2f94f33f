/// An alert (SPEC 6).
public struct AlertRecord: Sendable, Equatable {
    public var alertID: UInt64
    public var userID: String
    public var type: AlertType
    /// The instant that caused the alert.
    public var at: Int64
    public var segment: Segment
    public var lifecycle: LifecycleStage
    public var churnRisk: Double
    public var currentStreak: Int
    public var details: AlertDetails

    /// The deterministic id: FNV-1a 64 of the user id, the type and the instant.
    public static func id(userID: String, type: AlertType, at: Int64) -> UInt64 {
        var h = FNV1a()
        h.combine(userID)
        h.combine(UInt8(0))
        h.combine(type.rawValue)
        h.combine(UInt8(0))
        h.combine(at)
        return h.value
    }
}
