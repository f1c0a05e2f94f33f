/// An input message that failed validation: the reason code and a human-readable detail
/// naming the offending field.
public struct EventRejection: Error, Sendable, Equatable {
    public var reason: DeadLetterReason
    public var detail: String
    /// The `user_id` when it could be read, so a router can keep the user's dead letters
    /// beside its other records.
    public var userID: String?

    public init(_ reason: DeadLetterReason, _ detail: String, userID: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.userID = userID
    }
}
