import Testing
@testable import RevisitCore

/// `dead_letter_fields`: what the dead-letter topic keeps of an invalid event.
@Suite struct DeadLetterFieldsTests {
    typealias S = TestSupport

    /// The dead letter of one message processed with `fields`.
    func deadLetter(_ value: [UInt8], key: String?, _ fields: DeadLetterFields) -> DeadLetterRecord? {
        var p = try! PartitionProcessor(rules: S.rules { $0.deadLetterFields = fields }, wallClock: S.wallClock)
        p.process(value: value, key: key.map { Array($0.utf8) }, source: SourcePosition(topic: "events", partition: 1, offset: 7))
        return S.deadLetters(p.takeOutputs()).first
    }

    static let invalid = Array(
        #"{"event_id":"e1", "user_id":"alice@example.com","type":"page_view","ts" : 1704067200000,"tz":"Mars/Base","props":{"email":"alice@example.com"}}"#.utf8)

    @Test("By default the original key and bytes, whatever the reason")
    func originalByDefault() throws {
        for (value, key) in [(Self.invalid, "alice@example.com"), (Array("not json".utf8), "k"), (Array("[1]".utf8), "k")] {
            let letter = try #require(deadLetter(value, key: key, .all))
            #expect(letter.value == value)
            #expect(letter.key == Array(key.utf8))
        }
        #expect(RetentionRules().deadLetterFields == .all)
    }

    @Test("A list keeps those members as written, in their order, and the key only with user_id")
    func listedMembers() throws {
        let letter = try #require(deadLetter(Self.invalid, key: "alice@example.com", .only(["ts", "event_id", "type"])))
        #expect(letter.reason == .badTimeZone)
        #expect(String(decoding: letter.value, as: UTF8.self) == #"{"event_id":"e1","type":"page_view","ts":1704067200000}"#)
        #expect(letter.key == nil)
        #expect(letter.source.description == "events/1/7")
        #expect(letter.detail.contains("tz"))

        let withUser = try #require(deadLetter(Self.invalid, key: "alice@example.com", .only(["user_id"])))
        #expect(String(decoding: withUser.value, as: UTF8.self) == #"{"user_id":"alice@example.com"}"#)
        #expect(withUser.key == Array("alice@example.com".utf8))

        let none = try #require(deadLetter(Self.invalid, key: "alice@example.com", .only([])))
        #expect(none.value == Array("{}".utf8) && none.key == nil)
    }

    @Test("What is not a JSON object, or too large to read, keeps an empty value")
    func unreadable() throws {
        for value in ["not json", "[1,2]", #""a string""#, #"{"event_id":"e1","#] {
            let letter = try #require(deadLetter(Array(value.utf8), key: "u", .only(["event_id"])), "\(value)")
            #expect(letter.value.isEmpty, "\(value)")
        }
        let large = Array(#"{"event_id":""#.utf8) + [UInt8](repeating: 0x61, count: 70_000) + Array(#""}"#.utf8)
        let letter = try #require(deadLetter(large, key: "u", .only(["event_id"])))
        #expect(letter.reason == .tooLarge && letter.value.isEmpty)
    }

    @Test("Escaped member names match by their text")
    func escapedNames() throws {
        let value = Array(#"{"\u0065vent_id":"e1","user_id":1}"#.utf8)
        let letter = try #require(deadLetter(value, key: nil, .only(["event_id"])))
        #expect(String(decoding: letter.value, as: UTF8.self) == #"{"\u0065vent_id":"e1"}"#)
    }

    @Test("Pipeline file and --set: all, a list, the empty list; anything else is refused")
    func setting() throws {
        let loader = PipelineConfigurationLoader()
        #expect(try loader.load(yaml: "dead_letter_fields: all", fileName: "t.yaml").rules.deadLetterFields == .all)
        #expect(try loader.load(yaml: "dead_letter_fields: [event_id, type]", fileName: "t.yaml").rules.deadLetterFields
            == .only(["event_id", "type"]))
        #expect(try loader.load(yaml: "dead_letter_fields: []", fileName: "t.yaml").rules.deadLetterFields == .only([]))
        #expect(try loader.load(yaml: nil, fileName: "t", overrides: ["dead_letter_fields=event_id,ts"]).rules.deadLetterFields
            == .only(["event_id", "ts"]))
        #expect(try loader.load(yaml: nil, fileName: "t", overrides: ["dead_letter_fields=all"]).rules.deadLetterFields == .all)
        #expect(throws: PipelineConfigurationError.self) {
            try loader.load(yaml: "dead_letter_fields: [event_id, all]", fileName: "t.yaml")
        }
        #expect(throws: PipelineConfigurationError.self) {
            try loader.load(yaml: nil, fileName: "t", overrides: ["dead_letter_fields=event_id,"])
        }
    }
}
