/// What an event means to the operators (SPEC section 1).
public enum EventKind: UInt8, Sendable {
    /// Any user activity (`page_view`, `purchase`, ...): sessions, visits and risk use these.
    case activity = 0
    /// The operator reached the user through a campaign.
    case campaignTouch = 1
    /// Erase everything held about the user.
    case forget = 2
}
