/// The qualifying win-back touches of a partition's users (SPEC 7): per user, the first
/// qualifying `campaign_touch` of each campaign, until the user is erased.
///
/// Few users are touched, so the touches live beside the user table, by slot, rather than
/// in every ``UserState``. Their maturities are timers (``TimerQueues/touchMaturities``),
/// which find their touch here by slot, campaign and instant.
struct WinBackTouches: Sendable {
    struct Touch: Sendable, Equatable {
        /// The campaign's interned id.
        var campaign: UInt32
        /// The variant's interned id + 1, 0 when the touch had none.
        var variant: UInt32
        /// The touch's instant `t`.
        var at: Int64
        /// Whether its maturity (`t + attribution_window`) was counted.
        var matured: Bool
    }

    private(set) var bySlot: [UInt32: [Touch]] = [:]

    init() {}

    /// Whether the user in `slot` already has a qualifying touch of `campaign`.
    func contains(slot: UInt32, campaign: UInt32) -> Bool {
        bySlot[slot]?.contains { $0.campaign == campaign } ?? false
    }

    mutating func add(_ touch: Touch, slot: UInt32) {
        bySlot[slot, default: []].append(touch)
    }

    /// The touches of `slot` (in the order they qualified).
    func touches(of slot: UInt32) -> [Touch] { bySlot[slot] ?? [] }

    /// Marks the pending touch of `campaign` made at `at` as matured and returns it; nil when
    /// there is none (its user was erased).
    mutating func mature(slot: UInt32, campaign: UInt32, at: Int64) -> Touch? {
        guard let index = bySlot[slot]?.firstIndex(where: { $0.campaign == campaign && $0.at == at && !$0.matured })
        else { return nil }
        bySlot[slot]![index].matured = true
        return bySlot[slot]![index]
    }

    /// Drops everything of an erased user (`forget`: pending touches never mature).
    mutating func remove(slot: UInt32) {
        bySlot[slot] = nil
    }

    /// Restores a user's touches.
    mutating func set(_ touches: [Touch], slot: UInt32) {
        bySlot[slot] = touches.isEmpty ? nil : touches
    }
}
