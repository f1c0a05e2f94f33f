import Foundation
import RevisitCore
import RevisitServer
import Testing

/// The profile table of `revisit serve`: the latest record per user, tombstones, and records
/// that come back from the packed form byte for byte.
@Suite("Profile table: latest profile per user, tombstones, packed and verbatim records")
struct ProfileTableTests {
    /// Every profile the operators emit for generated activity (session closes, midnights,
    /// the end of the input), in order, as the pipeline encodes them.
    static let generated: [(user: String, json: [UInt8])] = {
        let (events, _) = ActivitySimulator(users: 150, days: 120, seed: 7).generate()
        var processor = try! PartitionProcessor(rules: RetentionRules(), wallClock: Int64.max / 2)
        var records: [(String, [UInt8])] = []
        func collect() {
            for case .profile(let profile) in processor.takeOutputs() {
                records.append((profile.userID, OutputEncoder.encode(.profile(profile))))
            }
        }
        for (i, event) in events.enumerated() {
            processor.process(value: Array(event.line.utf8), key: nil, source: SourcePosition(topic: "events", partition: 0, offset: Int64(i)))
            collect()
        }
        processor.finish(at: processor.maxTimestamp!)
        collect()
        return records
    }()

    static func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    @Test("Each user's latest record comes back byte for byte, every one of them packed")
    func latestRecords() {
        let table = ProfileTable()
        var latest: [String: [UInt8]] = [:]
        for (user, json) in Self.generated {
            json.withUnsafeBytes { table.apply(userID: user, value: $0) }
            latest[user] = json
        }
        #expect(Self.generated.count > 2 * latest.count, "several records per user")
        #expect(table.counts == .init(profiles: latest.count, packed: latest.count, verbatim: 0))
        for (user, json) in latest {
            #expect(Self.text(table.profile(user)) == Self.text(json), "\(user)")
        }
        #expect(table.profile("nobody") == nil)
    }

    @Test("A tombstone removes the user; a later profile brings the user back; the others stay")
    func tombstones() {
        let table = ProfileTable()
        let records = Self.generated.suffix(60)
        for (user, json) in records { json.withUnsafeBytes { table.apply(userID: user, value: $0) } }
        let users = Array(Set(records.map(\.user))).sorted()
        let (forgotten, kept) = (users[0], users[1])
        let keptProfile = table.profile(kept)
        let before = table.counts.profiles

        [UInt8]().withUnsafeBytes { table.apply(userID: forgotten, value: $0) }
        #expect(Self.text(table.profile(forgotten)) == nil)
        #expect(table.counts.profiles == before - 1)
        #expect(Self.text(table.profile(kept)) == Self.text(keptProfile))

        // The freed slot goes to the next user; the user forgotten stays forgotten.
        let newcomer = Self.generated.first { !users.contains($0.user) }!
        newcomer.json.withUnsafeBytes { table.apply(userID: newcomer.user, value: $0) }
        #expect(Self.text(table.profile(newcomer.user)) == Self.text(newcomer.json))
        #expect(Self.text(table.profile(forgotten)) == nil)
        #expect(Self.text(table.profile(kept)) == Self.text(keptProfile))

        let returning = records.last { $0.user == forgotten }!
        returning.json.withUnsafeBytes { table.apply(userID: forgotten, value: $0) }
        #expect(Self.text(table.profile(forgotten)) == Self.text(returning.json))
        table.remove("never-seen")
        #expect(table.counts.profiles == before + 1)
    }

    @Test("A record the packed form would not reproduce is kept as it came, and can turn packed again")
    func verbatimRecords() throws {
        let table = ProfileTable()
        let (user, json) = Self.generated.last!
        let text = String(decoding: json, as: UTF8.self)
        let variants = [
            // Another schema: a field more.
            text.replacingOccurrences(of: #""schema_version":1}"#, with: #""schema_version":2,"extra":[1,2]}"#),
            // Spaces between the tokens.
            text.replacingOccurrences(of: #","as_of":"#, with: #", "as_of": "#),
            // More decimal places than the pipeline writes.
            text.replacingOccurrences(of: #""p_alive":"#, with: #""p_alive":0.1234567,"p_alive_was":"#),
        ]
        for variant in variants {
            Array(variant.utf8).withUnsafeBytes { table.apply(userID: user, value: $0) }
            #expect(Self.text(table.profile(user)) == variant)
            #expect(table.counts == .init(profiles: 1, packed: 0, verbatim: 1))
        }
        json.withUnsafeBytes { table.apply(userID: user, value: $0) }
        #expect(Self.text(table.profile(user)) == Self.text(json))
        #expect(table.counts == .init(profiles: 1, packed: 1, verbatim: 0))

        // An id that needs escaping in JSON, and one with a slash and non-ASCII letters.
        for odd in [#"quote"d\user"#, "用户/42 ü"] {
            var escaped = JSONBuffer()
            escaped.string(odd)
            let record = text.replacingOccurrences(of: #"{"user_id":"\#(user)""#, with: #"{"user_id":\#(escaped.text)"#)
            Array(record.utf8).withUnsafeBytes { table.apply(userID: odd, value: $0) }
            #expect(Self.text(table.profile(odd)) == record)
        }
    }

    @Test("Concurrent lookups while records are applied see whole records only")
    func concurrentLookups() async {
        let table = ProfileTable()
        let records = Self.generated
        let users = Array(Set(records.map(\.user)))
        let valid = Set(records.map(\.json))
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for (user, json) in records { json.withUnsafeBytes { table.apply(userID: user, value: $0) } }
                return true
            }
            for reader in 0..<3 {
                group.addTask {
                    var allWhole = true
                    for i in 0..<20_000 {
                        if let found = table.profile(users[(i * 7 + reader) % users.count]), !valid.contains(found) { allWhole = false }
                    }
                    return allWhole
                }
            }
            for await whole in group { #expect(whole) }
        }
    }
}
