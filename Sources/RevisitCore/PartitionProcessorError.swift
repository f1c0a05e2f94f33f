/// Errors creating or restoring a processor.
public enum PartitionProcessorError: Error, Sendable, Equatable {
    /// The pipeline `timezone` is not a known IANA zone.
    case unknownTimeZone(String)
    /// A window longer than the 128 days of visit history kept per user.
    case windowTooLong(setting: String, days: Int)
    /// The snapshot is not one this version can read.
    case badSnapshot(String)
}

extension PartitionProcessorError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unknownTimeZone(let zone): "timezone \"\(zone)\" is not a known IANA zone"
        case .windowTooLong(let setting, let days):
            "\(setting) is \(days) days; at most \(UserState.bitmapDays) days of visit history are kept"
        case .badSnapshot(let reason): reason
        }
    }
}
