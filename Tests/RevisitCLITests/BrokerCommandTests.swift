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

        // Byte for byte: the fields in this order, a JSON value embedded as it was produced,
        // any other value as a string, a missing key as null.
        let producedByID = Dictionary(uniqueKeysWithValues: lines.map { line in
            ((try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any])["event_id"] as! String, line)
        })
        for (line, record) in zip(tailed.stdout.split(separator: "\n"), records) {
            let key = (record["key"] as? String).map { "\"\($0)\"" } ?? "null"
            let value = (record["value"] as? [String: Any]).map { producedByID[$0["event_id"] as! String]! } ?? #""not json""#
            let expected = #"{"topic":"events","partition":\#(record["partition"] as! Int),"offset":\#(record["offset"] as! Int),"#
                + #""timestamp":\#(record["timestamp"] as! Int),"key":\#(key),"value":\#(value)}"#
            #expect(String(line) == expected)
        }
    }

    @Test("A bad --topic value and an unreachable broker fail with a clear message")
    func badInput() throws {
        let bad = try RevisitProcess.revisit(["broker", "--topic", "events"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--topic takes NAME:PARTITIONS"))

        let setWithoutPartitions = try RevisitProcess.revisit(["broker", "--set", "application_id=demo"])
        #expect(setWithoutPartitions.status != 0)
        #expect(setWithoutPartitions.stderr.contains("add --pipeline-partitions N"))

        let noPartitions = try RevisitProcess.revisit(["broker", "--pipeline-partitions", "0"])
        #expect(noPartitions.status != 0)
        #expect(noPartitions.stderr.contains("--pipeline-partitions must be at least 1"))

        let badSetting = try RevisitProcess.revisit(["broker", "--pipeline-partitions", "2", "--set", "aplication_id=demo"])
        #expect(badSetting.status != 0)
        #expect(badSetting.stderr.contains("unknown setting \"aplication_id\""))

        let badProperty = try RevisitProcess.revisit(["topics", "--brokers", "127.0.0.1:1", "-X", "no.such=1"])
        #expect(badProperty.status != 0)
        #expect(badProperty.stderr.contains("No such configuration property"))
    }

    // MARK: - Pipeline topics

    @Test("--pipeline-partitions creates every topic of the pipeline, named by --set; a --topic keeps its own count")
    func pipelineTopics() throws {
        let broker = try RevisitProcess.Broker(
            topics: ["revisit.dlq:2"],
            arguments: ["--pipeline-partitions", "8", "--set", "application_id=demo", "--set", "topics.metrics=demo.metrics"])
        defer { _ = broker.stop() }
        let listing = try RevisitProcess.revisit(["topics", "--brokers", broker.bootstrap])
        #expect(listing.status == 0)
        let topics = Set(listing.stdout.split(separator: "\n").map(String.init))
        #expect(topics == ["events\t8", "revisit.profiles\t8", "revisit.sessions\t8", "revisit.alerts\t8",
                           "demo.metrics\t8", "revisit.dlq\t2", "demo.state\t8"])
        #expect(broker.stderr.contains("created topic demo.state with 8 partitions"))
        #expect(broker.stderr.contains("created topic revisit.dlq with 2 partitions"))
    }

    // MARK: - Commands on stdin

    @Test("down 1 takes the only broker off the network and up 1 brings it back")
    func downAndUp() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:2"])
        defer { _ = broker.stop() }
        guard try RevisitProcess.kcat(["-L", "-b", broker.bootstrap, "-m", "2"])?.status == 0 else {
            Issue.record("kcat is not installed (scripts/test installs it) or cannot list the broker's topics")
            return
        }

        try broker.setDown(1)
        let whileDown = try #require(try RevisitProcess.kcat(["-L", "-b", broker.bootstrap, "-m", "2"]))
        #expect(whileDown.status != 0, "kcat listed the topics of a broker that is down: \(whileDown.stdout)")

        try broker.setUp(1)
        let topics = try RevisitProcess.revisit(["topics", "--brokers", broker.bootstrap])
        #expect(topics.status == 0, "\(topics.stderr)")
        #expect(topics.stdout.split(separator: "\n").contains("events\t2"))
        #expect(broker.stderr.contains("down broker 1"))
    }

    @Test("down all and up all act on every broker of the cluster")
    func downAndUpAll() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:3"], arguments: ["--nodes", "3"])
        defer { _ = broker.stop() }
        try broker.down()
        let whileDown = try #require(try RevisitProcess.kcat(["-L", "-b", broker.bootstrap, "-m", "2"]))
        #expect(whileDown.status != 0, "kcat listed the topics of a cluster that is down: \(whileDown.stdout)")

        try broker.up()
        let listing = try #require(try RevisitProcess.kcat(["-L", "-b", broker.bootstrap, "-m", "5"]))
        #expect(listing.status == 0, "\(listing.stderr)")
        #expect(listing.stdout.contains(" 3 brokers:"))
        #expect(listing.stdout.contains("topic \"events\" with 3 partitions"))
    }

    @Test("A bad command answers with an error line and the broker keeps taking commands")
    func badCommands() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:1"])
        defer { _ = broker.stop() }
        #expect(try broker.send("sideways 1").hasPrefix("error: unknown command \"sideways 1\"; the commands are down <id>, up <id>"))
        #expect(try broker.send("down 2") == "error: no broker \"2\"; the only broker is 1")
        #expect(try broker.send("up 0") == "error: no broker \"0\"; the only broker is 1")
        #expect(try broker.send("down").hasPrefix("error: down takes one broker id or all"))
        #expect(throws: RevisitProcess.BrokerDidNotAnswer.self) { try broker.setDown(7) }
        #expect(try broker.send("up all") == "ok up all")
        #expect(broker.isRunning)
    }

    @Test("End of input does not stop the broker: neither a closed stdin pipe nor stdin at /dev/null")
    func endOfInput() throws {
        let broker = try RevisitProcess.Broker(topics: ["events:1"])
        try broker.setDown(1)
        try broker.closeInput()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(broker.isRunning)
        #expect(broker.stderr.contains("down broker 1"))
        #expect(broker.stop() == 0)

        // `revisit broker &` in a script, or a child with stdin at /dev/null.
        let child = try RevisitProcess.Child(["broker", "--topic", "events:1"])
        #expect(child.waitForStdout(containing: "\n"), "no bootstrap address; stderr: \(child.stderr)")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(child.isRunning)
        let address = child.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let topics = try RevisitProcess.revisit(["topics", "--brokers", address])
        #expect(topics.stdout.split(separator: "\n").contains("events\t1"))
        #expect(child.terminate() == .exited(0))
        #expect(child.stderr.contains("stopping on signal 15"))

        let killed = try RevisitProcess.Child(["broker"])
        #expect(killed.waitForStdout(containing: "\n"), "no bootstrap address; stderr: \(killed.stderr)")
        #expect(killed.kill() == .signaled(9))
        #expect(!killed.isRunning)
    }
}
