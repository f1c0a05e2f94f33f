import Foundation
import RevisitKafka
import Testing

/// `revisit serve` as a separate process on the output topics of a running pipeline (one
/// ``ServeFixture`` for the API, dashboard and hostile-request tests).
@Suite("revisit serve: API, dashboard and hostile requests on a running pipeline", .serialized, .serveFixture)
struct ServeTests {}

extension ServeTests {
    @Suite("The JSON API against revisit metrics and the topics")
    struct API {
        @Test("daily and campaigns: the objects revisit metrics --format json prints for the same topic, whole and for a range")
        func dailyAndCampaigns() throws {
            let fixture = try ServeFixture.shared()
            let days = try fixture.metricsCommand([]).split(separator: "\n").map(String.init)
            #expect(days.count > 90)
            let daily = try fixture.get("/api/v1/daily")
            #expect(daily.status == 200)
            #expect(daily.body == Self.array(days), "first difference: \(Self.firstDifference(daily.body, Self.array(days)))")

            let dates = try days.map { try #require(Self.object($0)["date"] as? String) }
            let (from, to) = (dates[20], dates[60])
            let range = try fixture.metricsCommand(["--from", from, "--to", to]).split(separator: "\n").map(String.init)
            #expect(range.count == 41)
            #expect(try fixture.get("/api/v1/daily?from=\(from)&to=\(to)").body == Self.array(range))
            #expect(try fixture.get("/api/v1/daily?from=\(dates.last!)").body == Self.array([days.last!]))

            let campaigns = try fixture.metricsCommand(["--campaigns"]).split(separator: "\n").map(String.init)
            #expect(campaigns.count == 2, "winback_q2: control and sms")
            #expect(campaigns.last?.contains(#""p_value":"#) == true)
            #expect(try fixture.get("/api/v1/campaigns").body == Self.array(campaigns))
            let rangeCampaigns = try fixture.metricsCommand(["--campaigns", "--from", from, "--to", to]).split(separator: "\n").map(String.init)
            #expect(try fixture.get("/api/v1/campaigns?from=\(from)&to=\(to)").body == Self.array(rangeCampaigns))
            #expect(try fixture.get("/api/v1/campaigns?from=2000-01-01&to=2000-01-02").body == "[]")
        }

        @Test("profiles: each user's the last record of the user in the profile topic, byte for byte")
        func profiles() throws {
            let fixture = try ServeFixture.shared()
            var latest: [String: [UInt8]] = [:]
            for message in try fixture.pipeline.read("revisit.profiles") {
                latest[String(decoding: message.key ?? [], as: UTF8.self)] = message.value
            }
            #expect(fixture.users.count > 250)
            for user in fixture.users {
                let response = try fixture.get("/api/v1/profiles/\(user)")
                let expected = try #require(latest[user])
                #expect(response.status == 200 && response.body == String(decoding: expected, as: UTF8.self), "\(user)")
            }
            // The path is percent-decoded: "%75" is "u".
            let user = fixture.users[0]
            let encoded = "%" + String(user.utf8.first!, radix: 16) + user.dropFirst()
            #expect(try fixture.get("/api/v1/profiles/\(encoded)").body == String(decoding: latest[user]!, as: UTF8.self))
        }

        @Test("a forgotten user gives 404 with a JSON error: forgotten before the server started, and while it runs")
        func forgottenUsers() throws {
            let fixture = try ServeFixture.shared()
            let tombstones = { (user: String) throws -> Bool in
                try fixture.pipeline.read("revisit.profiles").last { $0.key == Array(user.utf8) }?.value.isEmpty == true
            }
            #expect(try tombstones(fixture.forgotten), "the profile topic ends the user with a tombstone")
            let gone = try fixture.get("/api/v1/profiles/\(fixture.forgotten)")
            #expect(gone.status == 404)
            #expect(try Self.object(gone.body)["error"] as? String == "no profile of user \"\(fixture.forgotten)\": unknown, or forgotten")

            let user = fixture.toForget
            #expect(try fixture.get("/api/v1/profiles/\(user)").status == 200)
            try fixture.forget(user)
            #expect(try tombstones(user))
            let deadline = Date().addingTimeInterval(20)
            while try fixture.get("/api/v1/profiles/\(user)").status != 404, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
            #expect(try fixture.get("/api/v1/profiles/\(user)").status == 404)
            #expect(try fixture.get("/api/v1/profiles/no-such-user").status == 404)
        }

        @Test("the alert stream: the topic's newest alerts first, of the types asked for, then a live one as it comes")
        func alertStream() throws {
            let fixture = try ServeFixture.shared()
            // Not those of forgotten users.
            let alerts = try fixture.shownAlerts()
            let newest = alerts.filter { ["dormant", "recalled"].contains($0.type) }
                .sorted { ($0.at, $0.id) > ($1.at, $1.id) }.prefix(25)
            #expect(newest.count == 25 && alerts.count > 100)
            let stream = try #require(fixture.stream("/api/v1/alerts/stream?type=dormant,recalled&limit=25"))
            let events = stream.events(count: 25, timeout: 10)
            #expect(stream.status == 200)
            #expect(stream.headers["content-type"] == "text/event-stream; charset=utf-8")
            #expect(events.map(\.id) == newest.map(\.id))
            #expect(events.map(\.data) == newest.map(\.json))
            #expect(Set(events.map(\.type)) == ["alert"])

            // A churned user comes back: the recalled alert arrives on a stream already open.
            let live = try #require(fixture.stream("/api/v1/alerts/stream?type=recalled&limit=0"))
            #expect(live.events(count: 1, timeout: 1).isEmpty)
            try fixture.recall(fixture.toRecall)
            let arrived = live.events(count: 1, timeout: 20)
            let topic = try fixture.pipeline.read("revisit.alerts").last { $0.key == Array(fixture.toRecall.utf8) }
            #expect(arrived.count == 1)
            #expect(arrived.first?.data == topic.map { String(decoding: $0.value, as: UTF8.self) })
            #expect(arrived.first?.data.contains(#""type":"recalled""#) == true)
        }

        @Test("status: ready, the days held and the sizes of the stores")
        func status() throws {
            let fixture = try ServeFixture.shared()
            let status = try Self.object(try fixture.get("/api/v1/status").body)
            #expect(status["ready"] as? Bool == true)
            #expect((status["profiles"] as? Int ?? 0) >= fixture.users.count)
            let days = try fixture.metricsCommand([]).split(separator: "\n")
            #expect(status["first_day"] as? String == (try Self.object(String(days.first!))["date"] as? String))
            #expect(status["last_day"] as? String == (try Self.object(String(days.last!))["date"] as? String))
            #expect(try fixture.get("/readyz").body == #"{"status":"ready"}"#)
            #expect(try fixture.get("/healthz").status == 200)
            #expect(try fixture.get("/metrics").body.contains("revisit_serve_profiles"))
        }

        // MARK: - JSON

        static func array(_ lines: [String]) -> String { "[" + lines.joined(separator: ",") + "]" }

        static func object(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        static func firstDifference(_ a: String, _ b: String) -> String {
            let i = zip(a, b).prefix { $0 == $1 }.count
            return "at character \(i): \(a.dropFirst(max(0, i - 40)).prefix(80)) against \(b.dropFirst(max(0, i - 40)).prefix(80))"
        }
    }
}
