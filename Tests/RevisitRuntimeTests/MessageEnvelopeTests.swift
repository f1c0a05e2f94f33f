import Foundation
import RevisitCore
import RevisitKafka
import RevisitRuntime
import Testing

/// The line `revisit tail` prints per message, against the way it was first built: fields
/// joined as Swift strings, and Foundation's JSON parser deciding whether a value is JSON.
@Suite("Message envelope of revisit tail")
struct MessageEnvelopeTests {
    /// The former line of a message: the reference for every value whose JSON has no line break.
    static func formerLine(_ message: ConsumedMessage) -> String {
        func quoted(_ text: String) -> String {
            var out = JSONBuffer()
            out.string(text)
            return out.text
        }
        func embedded(_ value: [UInt8]) -> String {
            if value.isEmpty { return "null" }
            if (try? JSONSerialization.jsonObject(with: Data(value), options: [.fragmentsAllowed])) != nil {
                return String(decoding: value, as: UTF8.self)
            }
            return quoted(String(decoding: value, as: UTF8.self))
        }
        var fields = [
            "\"topic\":\(quoted(message.topic))",
            "\"partition\":\(message.partition)",
            "\"offset\":\(message.offset)",
            "\"timestamp\":\(message.timestamp.map(String.init) ?? "null")",
            "\"key\":\(message.key.map { quoted(String(decoding: $0, as: UTF8.self)) } ?? "null")",
            "\"value\":\(embedded(message.value))",
        ]
        if !message.headers.isEmpty {
            let headers = message.headers.map {
                "\(quoted($0.name)):\($0.value.map { quoted(String(decoding: $0, as: UTF8.self)) } ?? "null")"
            }
            fields.append("\"headers\":{\(headers.joined(separator: ","))}")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func line(_ message: ConsumedMessage) -> String {
        var buffer = JSONBuffer()
        MessageEnvelope.append(message, to: &buffer)
        return buffer.text
    }

    static func message(
        value: [UInt8], key: [UInt8]? = Array("u1".utf8), timestamp: Int64? = 1_767_225_600_000, headers: [KafkaHeader] = []
    ) -> ConsumedMessage {
        ConsumedMessage(topicPartition: TopicPartition("revisit.alerts", 3), offset: 4_711, timestamp: timestamp, key: key,
                        value: value, headers: headers)
    }

    static let values: [String] = [
        #"{"event_id":"e1","user_id":"u1","type":"click","ts":1767225600000,"props":{"a":[1,2.5,-3e2,true,null]}}"#,
        "  {\"spaced\" : [ 1 , 2 ] }\t", "42", "-0.5e-3", "true", "null", #""a string""#, "[]", "{}",
        #"{"escaped":"quote \" backslash \\ slash \/ tab \t unicode \u00e9 pair \ud83d\ude00"}"#,
        #"{"utf8":"héllo wörld ✓ 😀"}"#,
        // Not JSON: each becomes a string.
        "not json", "{", "[1 2]", "01", "1.", ".5", "+1", "NaN", "tru", "nul", #"{"a":'b'}"#,
        #""unterminated"#, #"{"a":"b"} trailing"#, "\u{01}control", "\"tab\tinside\"", #"{"k":1}{"k":2}"#,
        "quote \" and backslash \\ and \u{7F} del",
    ]

    @Test("Each value, key and header is written as the former line wrote it")
    func equalsFormerLine() {
        for value in Self.values {
            let message = Self.message(value: Array(value.utf8))
            #expect(Self.line(message) == Self.formerLine(message), "\(value)")
        }
        let cases: [ConsumedMessage] = [
            Self.message(value: []),
            Self.message(value: Array("x".utf8), key: nil, timestamp: nil),
            Self.message(value: Array("{}".utf8), key: []),
            Self.message(value: Array("{}".utf8), key: Array("k\"ey\n\u{0}".utf8)),
            Self.message(value: Array("{}".utf8), headers: [
                KafkaHeader(name: "revisit.error", string: "not_json"), KafkaHeader(name: "empty", value: nil),
                KafkaHeader(name: "na\"me", value: [0xE2, 0x82, 0x41]),
            ]),
            // Invalid UTF-8, repaired as String(decoding:as:) repairs it.
            Self.message(value: [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], key: [0xFF, 0x61, 0xE2, 0x82]),
            Self.message(value: [0xF0, 0x9F, 0x98], key: [0xED, 0xA0, 0x80]),
        ]
        for message in cases {
            #expect(Self.line(message) == Self.formerLine(message), "\(message.value) \(message.key ?? [])")
        }
    }

    @Test("Generated values are written as the former line wrote them, but for a trailing comma")
    func generatedValues() throws {
        // Fragments of JSON and of near-JSON, joined at random: most results are not JSON,
        // some are, and the two writers must agree on which.
        let pieces = [
            "{", "}", "[", "]", ",", ":", " ", "\t", #""a""#, #""\u0041""#, #""é""#, "1", "-2", "3.5", "true", "false",
            "null", #""\\""#, "0", "x",
        ]
        let trailingComma = try Regex(#",[ \t]*[\]}]"#)
        var generator = SplitMix(seed: 23)
        for _ in 0..<20_000 {
            let count = Int(generator.next() % 7) + 1
            let text = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            let message = Self.message(value: Array(text.utf8))
            if text.contains(trailingComma), Self.formerLine(message) != Self.line(message) {
                // Foundation's parser takes `[1,]` and `{"a":1,}`: the former line was not JSON.
                let line = try JSONSerialization.jsonObject(with: Data(Self.line(message).utf8)) as? [String: Any]
                #expect(line?["value"] as? String == text, "\(text)")
                continue
            }
            #expect(Self.line(message) == Self.formerLine(message), "\(text)")
        }
    }

    @Test("What JSON's grammar says decides: a trailing comma makes a string, a number beyond a Double does not")
    func strictGrammar() {
        for (value, embedded) in [(#"{"a":1,}"#, false), ("[1,]", false), ("1e500", true), (#"{"n":-1e999}"#, true)] {
            let line = Self.line(Self.message(value: Array(value.utf8)))
            let expected = embedded ? value : "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
            #expect(line.hasSuffix(#""value":\#(expected)}"#), "\(value): \(line)")
        }
    }

    @Test("A JSON value with line breaks between its tokens stays on one line")
    func lineBreaks() {
        let value = "{\n  \"a\": [1,\r\n 2]\n}"
        let message = Self.message(value: Array(value.utf8))
        let line = Self.line(message)
        #expect(!line.contains("\n") && !line.contains("\r"))
        #expect(line.hasSuffix(#""value":{   "a": [1,   2] }}"#))
        let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect((parsed?["value"] as? [String: Any])?["a"] as? [Int] == [1, 2])
    }
}

/// A small seeded generator, so that the generated cases are the same on every run.
private struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
