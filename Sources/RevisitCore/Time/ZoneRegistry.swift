import Foundation

/// The time zones a partition has met, interned as small ids so that user state holds two
/// bytes instead of a name. Id 0 is the pipeline's `timezone`.
struct ZoneRegistry: Sendable {
    /// Id meaning "no zone given".
    static let none: UInt16 = .max

    private(set) var tables: [ZoneOffsetTable] = []
    private var ids: [String: UInt16] = [:]
    private var unknown: Set<String> = []

    /// A registry whose zone 0 is `pipelineZone`; nil when that name is not a known zone.
    init?(pipelineZone: String) {
        guard resolve(pipelineZone) == 0 else { return nil }
    }

    /// The names in id order, for snapshots.
    var names: [String] { tables.map(\.identifier) }

    /// The id of an IANA zone name, registering it on first use; nil when it is not one
    /// (``ZoneName/isValid(_:)``; SPEC reason `bad_tz`).
    mutating func resolve(_ name: String) -> UInt16? {
        if let id = ids[name] { return id }
        if unknown.contains(name) { return nil }
        let table: ZoneOffsetTable
        if name == "UTC" || name == "Etc/UTC" {
            table = ZoneOffsetTable(identifier: name, zone: nil)
        } else if tables.count < Int(Self.none), ZoneName.isValid(name), let zone = TimeZone(identifier: name) {
            table = ZoneOffsetTable(identifier: name, zone: zone)
        } else {
            // Remember a bounded number of bad names so repeated junk stays cheap.
            if unknown.count < 4096 { unknown.insert(name) }
            return nil
        }
        let id = UInt16(tables.count)
        tables.append(table)
        ids[name] = id
        return id
    }

    @inline(__always)
    mutating func day(at t: Int64, zone: UInt16) -> Int64 {
        tables[Int(zone)].day(at: t)
    }

    mutating func midnight(of day: Int64, zone: UInt16) -> Int64 {
        tables[Int(zone)].midnight(of: day)
    }
}
