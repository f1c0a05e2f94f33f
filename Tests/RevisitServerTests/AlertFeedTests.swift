import Foundation
import RevisitServer
import Testing

/// The live alert feed: the newest alerts by their time, filters, and subscribers that get
/// the recent alerts and then the new ones, nothing missed or twice.
@Suite("Alert feed: newest first, bounded, filtered, live")
struct AlertFeedTests {
    static func alert(_ id: String, _ type: String, minute: Int) -> [UInt8] {
        let at = String(format: "2026-05-01T10:%02d:00.000Z", minute)
        return Array(#"{"alert_id":"\#(id)","user_id":"u-\#(id)","type":"\#(type)","severity":"info","at":"\#(at)"}"#.utf8)
    }

    @Test("Newest first by time whatever the arrival order; the oldest leave a full feed; duplicates are ignored")
    func ordering() throws {
        let feed = AlertFeed(capacity: 3)
        for (id, minute) in [("a", 5), ("b", 1), ("c", 9), ("d", 3), ("c", 9), ("e", 0)] {
            try feed.apply(value: Self.alert(id, "dormant", minute: minute), source: "test")
        }
        #expect(feed.recent(limit: 10).map(\.id) == ["c", "a", "d"])
        #expect(feed.recent(limit: 2).map(\.id) == ["c", "a"])
        #expect(feed.count == 3)
    }

    @Test("A type filter keeps those types; a value that is not an alert is refused")
    func filter() throws {
        let feed = AlertFeed()
        try feed.apply(value: Self.alert("a", "churned", minute: 1), source: "test")
        try feed.apply(value: Self.alert("b", "recalled", minute: 2), source: "test")
        try feed.apply(value: Self.alert("c", "churned", minute: 3), source: "test")
        #expect(feed.recent(types: ["churned"], limit: 10).map(\.id) == ["c", "a"])
        #expect(throws: AlertFeed.ReadError.self) { try feed.apply(value: Array(#"{"alert_id":"x"}"#.utf8), source: "test") }
        #expect(throws: AlertFeed.ReadError.self) { try feed.apply(value: Array("not json".utf8), source: "test") }
        try feed.apply(value: [], source: "test")
        #expect(feed.count == 3)
    }

    @Test("A subscriber gets the recent alerts, then each new one of its types; close ends the stream")
    func subscription() async throws {
        let feed = AlertFeed()
        try feed.apply(value: Self.alert("a", "churned", minute: 1), source: "test")
        try feed.apply(value: Self.alert("b", "recalled", minute: 2), source: "test")
        let subscription = feed.subscribe(types: ["churned", "dormant"], limit: 5)
        #expect(subscription.recent.map(\.id) == ["a"])
        #expect(feed.subscriberCount == 1)
        try feed.apply(value: Self.alert("c", "recalled", minute: 3), source: "test")
        try feed.apply(value: Self.alert("d", "dormant", minute: 4), source: "test")
        try feed.apply(value: Self.alert("e", "churned", minute: 0), source: "test")
        feed.close()
        var live: [String] = []
        for await alert in subscription.live { live.append(alert.id) }
        #expect(live == ["d", "e"])
        #expect(feed.subscriberCount == 0)
        let late = feed.subscribe(types: nil, limit: 5)
        var after: [String] = []
        for await alert in late.live { after.append(alert.id) }
        #expect(after.isEmpty && late.recent.isEmpty)
    }
}
