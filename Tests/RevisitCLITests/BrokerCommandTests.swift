import Foundation
import Testing

@Suite("revisit broker, produce, tail and topics as separate processes", .serialized)
struct BrokerCommandTests {
    @Test("kcat lists the topics of revisit broker; the broker stops cleanly on SIGTERM")
    func kcatListsTopics() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:16", "revisit.alerts:4"])
        guard let listing = try RevisitProcess.kcat(["-L", "-b", broker.bootstrap]) else {
            Issue.record("kcat is not installed (scripts/test installs it)")
            return
        }
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("topic \"events\" with 16 partitions"))
        #expect(listing.stdout.contains("topic \"revisit.alerts\" with 4 partitions"))

        let topics = try RevisitProcess.revisit(["topics", "--brokers", broker.bootstrap])
        #expect(topics.stdout.split(separator: "\n").contains("events\t16"))

        #expect(broker.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: broker.bootstrapFile))
    }

    @Test("Lines produced with revisit produce come back from revisit tail, keyed by user_id, with REVISIT_BROKERS")
    func produceThenTail() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:4"])
        defer { _ = broker.stop() }
        let lines = (0..<500).map { #"{"event_id":"e\#($0)","user_id":"u\#($0 % 7)","type":"click","ts":1767225600000}"# }
        let environment = ["REVISIT_BROKERS": broker.bootstrap]
        let produced = try RevisitProcess.revisit(["produce", "--topic", "events"],
                                                  input: Data((lines + ["not json"]).joined(separator: "\n").utf8), environment: environment)
        #expect(produced.status == 0)
        #expect(produced.stderr.contains("501 messages to events, 501 delivered, 1 without a key"))

        let tailed = try RevisitProcess.revisit(["tail", "--topic", "events", "--from-beginning", "--until-end"], environment: environment)
        #expect(tailed.status == 0)
        let records = tailed.stdout.split(separator: "\n").map { line in
            try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        }
        #expect(records.count == 501)
        let keyed = records.filter { $0["key"] is String }
        #expect(keyed.count == 500)
        for record in keyed {
            let value = record["value"] as! [String: Any]
            #expect(value["user_id"] as? String == record["key"] as? String)
        }
        #expect(records.contains { $0["value"] as? String == "not json" })
    }

    @Test("A bad --topic value and an unreachable broker fail with a clear message")
    func badInput() throws {
        let bad = try RevisitProcess.revisit(["broker", "--topic", "events"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--topic takes NAME:PARTITIONS"))

        let badProperty = try RevisitProcess.revisit(["topics", "--brokers", "127.0.0.1:1", "-X", "no.such=1"])
        #expect(badProperty.status != 0)
        #expect(badProperty.stderr.contains("No such configuration property"))
    }
}
