import Testing
@testable import RevisitCore

@Suite struct OutputEncoderTests {
    typealias S = TestSupport

    func text(_ record: OutputRecord) -> String { String(decoding: OutputEncoder.encode(record), as: UTF8.self) }

    @Test func profileLayout() throws {
        let t0 = S.t("2024-01-10T10:00:00Z")
        let out = S.run([S.event("u\"1", t0, revenue: 1.5), S.event("u\"1", t0 + 90_500)])
        let p = try #require(S.finalProfile(out, "u\"1"))
        // p_alive at x = 0, T = 0 is 1 / (1 + a / b) with the default churn_model.
        #expect(text(.profile(p)) == """
            {"user_id":"u\\"1","as_of":"2024-01-10","first_seen":"2024-01-10T10:00:00.000Z",\
            "last_seen":"2024-01-10T10:01:30.500Z","first_visit_day":"2024-01-10","last_visit_day":"2024-01-10",\
            "events_total":2,"sessions_total":1,"visit_days_total":1,"avg_session_seconds":90.5,\
            "last_session":{"start":"2024-01-10T10:00:00.000Z","end":"2024-01-10T10:01:30.500Z","events":2,"duration_s":90.5},\
            "current_streak":1,"longest_streak":1,"vd_7":1,"vd_28":1,"vd_30":1,"vd_90":1,"segment":"medium",\
            "lifecycle":"new","p_alive":0.972117,"churn_risk":0.027883,"revenue_total":1.5,"recalls_total":0,\
            "last_campaign":null,"schema_version":1}
            """)
    }

    @Test func tombstoneAndSession() {
        #expect(text(.tombstone(userID: "a", at: 0)) == #"{"user_id":"a","tombstone":true}"#)
        let s = SessionRecord(userID: "a", start: 0, end: 1500, events: 3, revenue: 0.1 + 0.2, closedAt: 1_801_500)
        #expect(text(.session(s)) == #"{"user_id":"a","start":"1970-01-01T00:00:00.000Z","end":"1970-01-01T00:00:01.500Z","duration_s":1.5,"events":3,"revenue":0.3,"closed_at":"1970-01-01T00:30:01.500Z","schema_version":1}"#)
    }

    @Test func alertIDIsStableAndHex() {
        let a = AlertRecord.id(userID: "u", type: .dormant, at: 1_700_000_000_000)
        #expect(a == AlertRecord.id(userID: "u", type: .dormant, at: 1_700_000_000_000))
        #expect(a != AlertRecord.id(userID: "u", type: .churned, at: 1_700_000_000_000))
        #expect(a != AlertRecord.id(userID: "u", type: .dormant, at: 1_700_000_000_001))
        #expect(OutputEncoder.alertIDText(a).count == 16)
        #expect(OutputEncoder.alertIDText(0xAB) == "00000000000000ab")
    }

    @Test func deadLetterKeepsTheOriginalLine() {
        let d = DeadLetterRecord(
            reason: .notJSON, detail: "x", source: SourcePosition(topic: "f.jsonl", partition: nil, offset: 7),
            key: nil, value: [0x7B, 0x22, 0xFF, 0x0A])
        #expect(text(.deadLetter(d)) == #"{"error":"not_json","detail":"x","source":"f.jsonl:7","key":null,"value":"{\"\#u{FFFD}\n"}"#)
    }

    @Test func decimals() {
        func d(_ x: Double, _ places: Int = 6) -> String {
            var out = JSONBuffer()
            out.decimal(x, places: places)
            return out.text
        }
        #expect(d(0) == "0")
        #expect(d(3) == "3")
        #expect(d(0.1 + 0.2) == "0.3")
        #expect(d(-2.5) == "-2.5")
        #expect(d(0.0000004) == "0")
        #expect(d(1.23456789) == "1.234568")
        #expect(d(90.5, 3) == "90.5")
        #expect(d(.nan) == "null")
    }

    @Test func integersAtEveryDigitBoundaryAndAtRandom() {
        var values: [Int64] = [0, 1, -1, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        var rng = SplitMix64(seed: 5)
        for _ in 0..<5_000 {
            let bits = Int64(bitPattern: rng.next())
            values += [bits, bits >> Int64(rng.next() % 63)]
        }
        for v in values {
            var out = JSONBuffer()
            out.integer(v)
            #expect(out.text == String(v))
        }
    }

    @Test func decimalsAgreeWithTheArithmeticDefinition() {
        // The definition: round to `places` digits, write the integer part, then the
        // fraction without trailing zeros.
        func reference(_ x: Double, _ places: Int) -> String {
            var scale: Int64 = 1
            for _ in 0..<places { scale *= 10 }
            let scaled = (x * Double(scale)).rounded()
            // Beyond exact integers in a double, the shortest round-trip form is written.
            guard abs(scaled) < 9.0e15 else { return x.description }
            let units = Int64(scaled)
            let sign = units < 0 ? "-" : ""
            let whole = String(units.magnitude / UInt64(scale))
            var fraction = places == 0 ? "" : String(units.magnitude % UInt64(scale))
            fraction = String(repeating: "0", count: places - fraction.count) + fraction
            while fraction.last == "0" { fraction.removeLast() }
            return sign + whole + (fraction.isEmpty ? "" : "." + fraction)
        }
        var rng = SplitMix64(seed: 6)
        for _ in 0..<5_000 {
            let places = Int(rng.next() % 9)
            let magnitude = [1.0, 100, 1e6, 1e9][Int(rng.next() % 4)]
            let x = (Double(rng.next() % 2_000_001) / 1_000_000 - 1) * magnitude
            var out = JSONBuffer()
            out.decimal(x, places: places)
            #expect(out.text == reference(x, places), "\(x) to \(places) places")
        }
    }

    @Test func timestampsBeforeEpochAndAtDayEnds() {
        #expect(EventTime.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(EventTime.format(S.t("2024-02-29T23:59:59.999+00:00")) == "2024-02-29T23:59:59.999Z")
    }

    @Test func bufferGrowsAndEscapes() {
        var out = JSONBuffer(capacity: 8)
        let long = String(repeating: "ab\u{1}\"\u{e9}", count: 200)
        out.string(long)
        out.byte(0x2C)
        out.integer(Int64.min)
        out.byte(0x2C)
        out.integer(0)
        out.byte(0x2C)
        out.integer(-7)
        let expected = "\"" + String(repeating: #"ab\u0001\"\#u{e9}"#, count: 200) + "\",-9223372036854775808,0,-7"
        #expect(out.text == expected)
        out.removeAll()
        out.raw("x")
        #expect(out.bytes == [0x78])
    }

    @Test func timestampsOfAlternatingDaysUseTheRightDate() {
        let day = CivilDate.millisecondsPerDay
        let instants: [Int64] = [0, day * 19_000 + 1, 5, day * 19_000 + 2, -1, day * 19_001 - 1]
        var out = JSONBuffer()
        for t in instants {
            out.timestamp(t)
            out.date(CivilDate.floorDivide(t, day))
        }
        #expect(out.text == #""1970-01-01T00:00:00.000Z""1970-01-01""2022-01-08T00:00:00.001Z""2022-01-08""1970-01-01T00:00:00.005Z""1970-01-01""2022-01-08T00:00:00.002Z""2022-01-08""1969-12-31T23:59:59.999Z""1969-12-31""2022-01-08T23:59:59.999Z""2022-01-08""#)
    }
}
