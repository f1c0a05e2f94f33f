import Foundation

/// Which texts are time zone names of the IANA database (SPEC 1: `tz`; SPEC 9: `timezone`).
///
/// Foundation also reads offsets as zones (`UTC+8`, `GMT+8`, `GMT+0800`), and it reads them
/// as the ISO sign convention, where POSIX reads `UTC+8` as eight hours behind UTC: the
/// ambiguity the rule avoids. A name is accepted when Foundation knows it under that very
/// name (the database's links, such as `PRC` or `US/Pacific`, included) and it is not one of
/// those offset spellings. `Etc/GMT+8`, the database's own offset zone, is a name.
public enum ZoneName {
    /// Database names that Foundation reports under another identifier.
    private static let renamed: Set<String> = ["UTC", "GMT+0", "GMT-0"]

    /// Whether `name` is an IANA time zone name.
    public static func isValid(_ name: String) -> Bool {
        if renamed.contains(name) { return true }
        guard !isOffsetSpelling(name), let zone = TimeZone(identifier: name) else { return false }
        return zone.identifier == name
    }

    /// `GMT+8`, `UTC-05:00`, `UT+1`, `+08:00`: an offset, not a name.
    private static func isOffsetSpelling(_ name: String) -> Bool {
        var rest = Substring(name)
        for prefix in ["GMT", "UTC", "UT"] where rest.hasPrefix(prefix) {
            rest = rest.dropFirst(prefix.count)
            break
        }
        guard let sign = rest.first, sign == "+" || sign == "-" else { return false }
        return rest.dropFirst().first?.isNumber == true
    }
}
