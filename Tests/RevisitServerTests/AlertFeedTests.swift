import Foundation
import RevisitServer
import Testing

/// The live alert feed: the newest alerts by their time, filters, and subscribers that get
/// the recent alerts and then the new ones, nothing missed or twice.
@Suite("Alert feed: newest first, bounded, filtered, live")
struct AlertFeedTests {
    static func alert(_ id: String, _ type: String, minute: Int, user: String? = nil) -> [UInt8] {
        let at = String(format: "2026-05-01T10:%02d:00.000Z", minute)
        return Array(#"{"alert_id":"\#(id)","user_id":"\#(user ?? "u-" + id)","type":"\#(type)","severity":"info","at":"\#(at)"}"#.utf8)
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
        var live: [AlertFeed.Update] = []
        for await update in subscription.live { live.append(update) }
        #expect(live.map(Self.id) == ["d", "e"])
        #expect(feed.subscriberCount == 0)
        let late = feed.subscribe(types: nil, limit: 5)
        var after: [AlertFeed.Update] = []
        for await update in late.live { after.append(update) }
        #expect(after.isEmpty && late.recent.isEmpty)
    }

    @Test("A forget drops the user's alerts and tells every subscriber, whatever its filter")
    func forget() async throws {
        let feed = AlertFeed()
        try feed.apply(value: Self.alert("a", "churned", minute: 1, user: "alice"), source: "test")
        try feed.apply(value: Self.alert("b", "churned", minute: 2, user: "bob"), source: "test")
        try feed.apply(value: Self.alert("c", "dormant", minute: 3, user: "alice"), source: "test")
        let subscription = feed.subscribe(types: ["recalled"], limit: 5)
        feed.forget(user: "alice")
        #expect(feed.recent(limit: 10).map(\.id) == ["b"])
        #expect(feed.count == 1)
        // Alice comes back: a new alert of hers is kept and sent again.
        try feed.apply(value: Self.alert("d", "recalled", minute: 4, user: "alice"), source: "test")
        feed.close()
        var live: [AlertFeed.Update] = []
        for await update in subscription.live { live.append(update) }
        #expect(live.map(Self.id) == ["forgotten alice", "d"])
        #expect(feed.recent(limit: 10).map(\.id) == ["d", "b"])
    }

    @Test("Only alerts the feed may show are listed and sent")
    func shownOnly() async throws {
        let feed = AlertFeed { $0.user != "hidden" }
        try feed.apply(value: Self.alert("a", "churned", minute: 1, user: "hidden"), source: "test")
        try feed.apply(value: Self.alert("b", "churned", minute: 2, user: "shown"), source: "test")
        let subscription = feed.subscribe(types: nil, limit: 5)
        #expect(subscription.recent.map(\.id) == ["b"])
        try feed.apply(value: Self.alert("c", "churned", minute: 3, user: "hidden"), source: "test")
        try feed.apply(value: Self.alert("d", "churned", minute: 4, user: "shown"), source: "test")
        feed.close()
        var live: [AlertFeed.Update] = []
        for await update in subscription.live { live.append(update) }
        #expect(live.map(Self.id) == ["d"])
        #expect(feed.count == 4, "kept, to be shown once the user may be")
    }

    static func id(_ update: AlertFeed.Update) -> String {
        switch update {
        case .alert(let alert): alert.id
        case .forgotten(let user): "forgotten \(user)"
        }
    }
}
