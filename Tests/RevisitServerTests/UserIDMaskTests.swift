import Foundation
import RevisitCore
import RevisitKafka
import RevisitServer
import Testing

/// Masked user ids: HMAC-SHA256 under a key, stable for a key, apart across keys; what the
/// stores of `revisit serve` hold and answer with a mask; and a forget, masked or not.
@Suite("User id masking and forgetting in the stores of revisit serve")
struct UserIDMaskTests {
    static let key = Array("k3y-0123456789abcdef0123456789abcdef".utf8)
    static let otherKey = Array("another-key-0123456789abcdef012345".utf8)

    @Test("HMAC-SHA256, 20 hex digits: the same for the same key, apart across keys and users")
    func masks() throws {
        let mask = try UserIDMask(key: Self.key)
        // What `printf '%s' u42 | openssl dgst -sha256 -hmac KEY` starts with (README).
        #expect(mask.userID("u42") == "b6343c7926ea2ce5b55d")
        #expect(mask.alertID("09a633fa30597d8c") == "cd572513b81d4e84")
        let again = try UserIDMask(key: Self.key)
        let other = try UserIDMask(key: Self.otherKey)
        #expect(mask.userID("u42") == again.userID("u42"))
        #expect(mask.userID("u42").count == 20 && mask.userID("u42").allSatisfy(\.isHexDigit))
        #expect(mask.userID("u42") != other.userID("u42"))
        #expect(mask.userID("u42") != mask.userID("u43"))
        #expect(mask.alertID("09a633fa30597d8c").count == 16)
        #expect(mask.alertID("u42").prefix(16) != mask.userID("u42").prefix(16), "a domain of its own")
        #expect(throws: SecuritySettingError.self) { try UserIDMask(key: Array(repeating: 1, count: 31)) }
    }

    @Test("The key file: its bytes without the white space around them; a missing or short key stops the start")
    func keyFile() throws {
        let path = NSTemporaryDirectory() + "revisit-mask-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(("  " + String(decoding: Self.key, as: UTF8.self) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        #expect(try UserIDMask(keyFile: path).userID("u42") == (try UserIDMask(key: Self.key)).userID("u42"))
        try Data("short\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: SecuritySettingError.shortKey(path: path, bytes: 5, minimum: 32)) { try UserIDMask(keyFile: path) }
        #expect(throws: SecuritySettingError.missingFile(path: path + "-no", option: "--mask-key-file")) {
            try UserIDMask(keyFile: path + "-no")
        }
    }

    @Test("In JSON, only the values of user_id and alert_id change; every other byte stays")
    func json() throws {
        let mask = try UserIDMask(key: Self.key)
        let alert = #"{"alert_id":"09a633fa30597d8c","user_id":"u\u0034\u0032","type":"dormant","at":"2026-01-01T00:00:00.000Z","details":{"user_id":"nested"}}"#
        let masked = try #require(mask.maskingIDs(in: Array(alert.utf8)))
        let expected = #"{"alert_id":"\#(mask.alertID("09a633fa30597d8c"))","user_id":"\#(mask.userID("u42"))","type":"dormant","at":"2026-01-01T00:00:00.000Z","details":{"user_id":"nested"}}"#
        #expect(String(decoding: masked, as: UTF8.self) == expected)
        #expect(mask.maskingIDs(in: Array("not json".utf8)) == nil)
    }

    // MARK: - The stores

    static let topics = ServeStores.Topics(metrics: "m", profiles: "p", alerts: "a")

    static func profile(_ user: String, firstSeen: String) -> [UInt8] {
        Array(#"{"user_id":"\#(user)","first_seen":"\#(firstSeen)","segment":"low"}"#.utf8)
    }

    static func alert(_ id: String, _ user: String, at: String) -> [UInt8] {
        Array(#"{"alert_id":"\#(id)","user_id":"\#(user)","type":"dormant","severity":"info","at":"\#(at)"}"#.utf8)
    }

    static func apply(_ stores: ServeStores, _ topic: String, key: String, _ value: [UInt8]) throws {
        var scratch = JSONBuffer(capacity: 256)
        try stores.apply(ConsumedMessage(
            topicPartition: TopicPartition(topic, 0), offset: 0, timestamp: nil, key: Array(key.utf8), value: value), scratch: &scratch)
    }

    @Test("Masked: profiles and alerts held and shown under the masked id, looked up by it or by the real id")
    func maskedStores() throws {
        let mask = try UserIDMask(key: Self.key)
        let stores = ServeStores(topics: Self.topics, mask: mask)
        try Self.apply(stores, "p", key: "alice", Self.profile("alice", firstSeen: "2026-01-01T00:00:00.000Z"))
        try Self.apply(stores, "a", key: "alice", Self.alert("a1", "alice", at: "2026-02-01T00:00:00.000Z"))
        let masked = mask.userID("alice")
        let byMask = try #require(stores.profile(lookingUp: masked))
        #expect(String(decoding: byMask, as: UTF8.self) == #"{"user_id":"\#(masked)","first_seen":"2026-01-01T00:00:00.000Z","segment":"low"}"#)
        #expect(stores.profile(lookingUp: "alice") == byMask)
        #expect(stores.profiles.profile("alice") == nil, "the real id is not held")
        let shown = stores.alerts.recent(limit: 10)
        #expect(shown.map(\.user) == [masked] && shown.map(\.id) == [mask.alertID("a1")])
        #expect(!String(decoding: shown[0].json, as: UTF8.self).contains("alice"))
    }

    @Test("A forget removes the profile and the alerts, and an alert from before a user's profile began stays hidden")
    func forget() async throws {
        for mask in [nil, try UserIDMask(key: Self.key)] {
            let stores = ServeStores(topics: Self.topics, mask: mask)
            let shownID = { (user: String) in mask?.userID(user) ?? user }
            try Self.apply(stores, "a", key: "alice", Self.alert("a0", "alice", at: "2026-02-01T00:00:00.000Z"))
            #expect(stores.alerts.recent(limit: 10).isEmpty, "no profile yet")
            try Self.apply(stores, "p", key: "alice", Self.profile("alice", firstSeen: "2026-01-01T00:00:00.000Z"))
            try Self.apply(stores, "p", key: "bob", Self.profile("bob", firstSeen: "2026-01-01T00:00:00.000Z"))
            try Self.apply(stores, "a", key: "bob", Self.alert("b1", "bob", at: "2026-02-02T00:00:00.000Z"))
            #expect(stores.alerts.recent(limit: 10).count == 2)
            let subscription = stores.alerts.subscribe(types: nil, limit: 10)

            try Self.apply(stores, "p", key: "alice", [])
            #expect(stores.profile(lookingUp: shownID("alice")) == nil && stores.profile(lookingUp: "alice") == nil)
            #expect(stores.alerts.recent(limit: 10).map(\.user) == [shownID("bob")])
            // Read after the tombstone (another topic, another order): still hidden.
            try Self.apply(stores, "a", key: "alice", Self.alert("a2", "alice", at: "2026-02-03T00:00:00.000Z"))
            #expect(stores.alerts.recent(limit: 10).map(\.user) == [shownID("bob")])
            // Alice comes back: her new life shows, what came before it does not.
            try Self.apply(stores, "p", key: "alice", Self.profile("alice", firstSeen: "2026-03-01T00:00:00.000Z"))
            try Self.apply(stores, "a", key: "alice", Self.alert("a3", "alice", at: "2026-03-05T00:00:00.000Z"))
            #expect(stores.alerts.recent(limit: 10).count == 2)
            #expect(stores.alerts.recent(limit: 10).first?.user == shownID("alice"))
            stores.alerts.close()
            var updates: [AlertFeed.Update] = []
            for await update in subscription.live { updates.append(update) }
            #expect(updates.first == .forgotten(user: shownID("alice")))
            #expect(updates.count == 2, "the forget, then alice's new alert: \(updates)")
        }
    }
}
