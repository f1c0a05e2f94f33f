/// Errors creating or restoring a processor.
public enum PartitionProcessorError: Error, Sendable, Equatable {
    /// The pipeline `timezone` is not a known IANA zone.
    case unknownTimeZone(String)
    /// A window longer than the 128 days of visit history kept per user.
    case windowTooLong(setting: String, days: Int)
    /// The snapshot is not one this version can read.
    case badSnapshot(String)
}
