import Testing
@testable import RevisitCore

@Suite struct EventDecoderTests {
    let decoder = EventDecoder()

    func reason(_ text: String, key: String? = nil) -> DeadLetterReason? {
        switch decoder.decode(value: Array(text.utf8), key: key.map { Array($0.utf8) }) {
        case .success: nil
        case .failure(let r): r.reason
        }
    }

    func decoded(_ text: String) -> ParsedEvent? {
        try? decoder.decode(value: Array(text.utf8)).get()
    }

    let base = #""event_id":"e1","user_id":"u1","type":"page_view","ts":1710000000000"#

    @Test func acceptsAMinimalEvent() {
        let e = decoded("{\(base)}")
        #expect(e?.userID == "u1")
        #expect(e?.timestamp == 1_710_000_000_000)
        #expect(e?.kind == .activity)
    }

    @Test func acceptsFullSyntaxInUnknownFieldsAndProps() {
        let text = """
             { "x": [1, -2.5e+3, true, false, null, {"a": [[], {}]}], \(base) ,
              "props": {"k": "\\u00e9\\ud83d\\ude00\\n\\"", "n": {"deep": [0.1, "\\/"]}}, "revenue": 0 }\t\r\n
            """
        #expect(decoded(text) != nil)
    }

    @Test func decodesEscapedIdsAndRFC3339() {
        let e = decoded(#"{"event_id":"e\u0031","user_id":"\u00fcser","type":"click","ts":"2024-03-10T07:30:00.123+08:00"}"#)
        #expect(e?.userID == "üser")
        #expect(e?.timestamp == TestSupport.t("2024-03-09T23:30:00.123Z"))
        #expect(e?.eventIDHash == decoded(#"{"event_id":"e1","user_id":"u","type":"t","ts":1}"#)?.eventIDHash)
    }

    @Test func nullOptionalFieldsCountAsAbsent() {
        #expect(decoded("{\(base),\"tz\":null,\"revenue\":null,\"campaign\":null,\"props\":null}") != nil)
    }

    @Test func classifiesControlTypes() {
        #expect(decoded(#"{"event_id":"e","user_id":"u","type":"forget","ts":1710000000000}"#)?.kind == .forget)
        let touch = decoded(#"{"event_id":"e","user_id":"u","type":"campaign_touch","ts":1,"campaign":"c","variant":"control"}"#)
        #expect(touch?.kind == .campaignTouch)
        #expect(touch?.variant == "control")
    }

    @Test func tooLarge() {
        let big = "{\(base),\"props\":{\"p\":\"\(String(repeating: "x", count: 70_000))\"}}"
        #expect(reason(big) == .tooLarge)
        #expect(reason(String(repeating: "[", count: 70_000)) == .tooLarge)
    }

    @Test(arguments: [
        "", " ", "{", "{\"a\":}", "{\(#""event_id":"e1","user_id":"u1","type":"page_view","ts":1710000000000"#)} x",
        "{\"ts\":NaN}", "{\"ts\":Infinity}", "{\"ts\":-Infinity}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":\"\\x\"}",
        "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"tab\there\"}", "{'a':1}", "{\"a\":1,}", "[1,]",
        "{\"a\":tru}", "\u{FEFF}{}",
    ])
    func notJSON(_ text: String) {
        #expect(reason(text) == .notJSON)
    }

    @Test func invalidUTF8IsNotJSON() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D],
                               [0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x3A, 0x31, 0x7D]] {
            guard case .failure(let r) = decoder.decode(value: bytes) else {
                Issue.record("accepted")
                continue
            }
            #expect(r.reason == .notJSON)
        }
    }

    @Test(arguments: ["[]", "1", "\"s\"", "null", "true", "[{}]"])
    func notObject(_ text: String) {
        #expect(reason(text) == .notObject)
    }

    @Test(arguments: ["event_id", "user_id", "type", "ts"])
    func missingField(_ field: String) {
        var fields: [String: String] = ["event_id": "\"e\"", "user_id": "\"u\"", "type": "\"t\"", "ts": "1710000000000"]
        fields[field] = nil
        let text = "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        #expect(reason(text) == .missingField)
        fields[field] = "null"
        let withNull = "{" + fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
        #expect(reason(withNull) == .missingField)
    }

    @Test func touchWithoutCampaignIsMissingField() {
        #expect(reason(#"{"event_id":"e","user_id":"u","type":"campaign_touch","ts":1710000000000}"#) == .missingField)
    }

    @Test(arguments: [
        #""event_id":"","user_id":"u","type":"t","ts":1"#,
        #""event_id":1,"user_id":"u","type":"t","ts":1"#,
        #""event_id":"e","user_id":"","type":"t","ts":1"#,
        #""event_id":"e","user_id":"u","type":"","ts":1"#,
        #""event_id":"e","user_id":"u","type":"t","ts":1.0"#,
        #""event_id":"e","user_id":"u","type":"t","ts":1e12"#,
        #""event_id":"e","user_id":"u","type":"t","ts":"2024-03-10T07:30:00""#,
        #""event_id":"e","user_id":"u","type":"t","ts":"2024-02-30T07:30:00Z""#,
        #""event_id":"e","user_id":"u","type":"t","ts":true"#,
        #""event_id":"e","user_id":"u","type":"t","ts":1,"revenue":-0.01"#,
        #""event_id":"e","user_id":"u","type":"t","ts":1,"revenue":"5""#,
        #""event_id":"e","user_id":"u","type":"t","ts":1,"tz":5"#,
        #""event_id":"e","user_id":"u","type":"t","ts":1,"props":[1]"#,
        #""event_id":"e","user_id":"u","type":"t","ts":1,"channel":"0123456789012345678901234567890123""#,
        #""event_id":"e","user_id":"u","type":"campaign_touch","ts":1,"campaign":"""#,
    ])
    func wrongType(_ body: String) {
        // ts 1 is out of range, but that is checked later (by the processor).
        #expect(reason("{" + body + "}") == .wrongType)
    }

    @Test func sizeLimitsCountBytes() {
        let id128 = String(repeating: "é", count: 64)
        #expect(reason("{\"event_id\":\"\(id128)\",\"user_id\":\"u\",\"type\":\"t\",\"ts\":1}") == nil)
        let id129 = id128 + "x"
        #expect(reason("{\"event_id\":\"\(id129)\",\"user_id\":\"u\",\"type\":\"t\",\"ts\":1}") == .wrongType)
    }

    @Test func keyMismatch() {
        #expect(reason("{\(base)}", key: "u2") == .keyMismatch)
        #expect(reason("{\(base)}", key: "u1") == nil)
    }

    @Test func reasonOrderMissingBeforeWrongType() {
        #expect(reason(#"{"event_id":5,"type":"t","ts":1}"#) == .missingField)
        #expect(reason(#"{"event_id":5,"user_id":"u","type":"t","ts":1}"#, key: "other") == .wrongType)
    }

    @Test func duplicateKeysLastWins() {
        #expect(decoded("{\(base),\"user_id\":\"u9\"}")?.userID == "u9")
    }

    @Test func detailNamesTheField() {
        guard case .failure(let r) = decoder.decode(value: Array(#"{"event_id":"e","user_id":"u","type":"t","ts":1.5}"#.utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(r.detail.contains("`ts`"))
    }
}

@Suite struct EventSizeLimitTests {
    @Test func maxEventBytesIsInclusive() {
        let decoder = EventDecoder(maxEventBytes: 100)
        let head = #"{"event_id":"e","user_id":"u","type":"t","ts":1710000000000,"props":{"p":""#
        let exact = head + String(repeating: "x", count: 100 - head.utf8.count - 3) + "\"}}"
        #expect(exact.utf8.count == 100)
        #expect((try? decoder.decode(value: Array(exact.utf8)).get()) != nil)
        let over = head + String(repeating: "x", count: 100 - head.utf8.count - 2) + "\"}}"
        guard case .failure(let r) = decoder.decode(value: Array(over.utf8)) else {
            Issue.record("accepted")
            return
        }
        #expect(r.reason == .tooLarge)
    }
}
