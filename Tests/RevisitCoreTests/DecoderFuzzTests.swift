import Testing
@testable import RevisitCore

@Suite struct DecoderFuzzTests {
    let decoder = EventDecoder()

    func classify(_ bytes: [UInt8]) -> String {
        switch decoder.decode(value: bytes) {
        case .success(let e): "ok \(e.userID) \(e.timestamp) \(e.eventIDHash)"
        case .failure(let r): r.reason.rawValue
        }
    }

    /// What an independent reading of the JSON grammar says of the bytes, in the decoder's
    /// first two reason codes: `not_json`, `not_object`, or `object`.
    func oracle(_ bytes: [UInt8]) -> String {
        StrictJSONGrammar.shape(of: bytes).rawValue
    }

    /// The decoder's answer in the oracle's terms.
    func shape(_ bytes: [UInt8]) -> String {
        let answer = classify(bytes)
        return answer == "not_json" || answer == "not_object" ? answer : "object"
    }

    @Test func randomBytesNeverCrashAndClassifyDeterministically() {
        var rng = SplitMix64(seed: 42)
        let alphabet = Array("{}[]\":,\\u0123456789abcdefntrlsxe.-+ \t\n".utf8) + [0xC3, 0xA9, 0xFF, 0xED, 0xF0]
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 64)
            let bytes = (0..<length).map { _ in
                rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            #expect(shape(bytes) == oracle(bytes), "\(String(decoding: bytes, as: UTF8.self)) \(bytes)")
        }
    }

    @Test func mutationsOfValidEventsNeverCrash() {
        var rng = SplitMix64(seed: 7)
        let seeds = [
            TestSupport.event("u1", 1_710_000_000_000, tz: "Europe/Paris", revenue: 12.5),
            Array(#"{"event_id":"é\u00e9","user_id":"u\ud83d\ude00","type":"campaign_touch","ts":"2024-03-10T07:30:00.5-05:00","campaign":"c","props":{"a":[1,{"b":null}]}}"#.utf8),
        ]
        var accepted = 0
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                guard !bytes.isEmpty else { break }
                let i = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 4 {
                case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: i)
                case 2: bytes.insert(bytes[Int(rng.next() % UInt64(bytes.count))], at: i)
                default: bytes.removeSubrange(i..<min(bytes.count, i + Int(rng.next() % 8)))
                }
            }
            let first = classify(bytes)
            #expect(shape(bytes) == oracle(bytes), "\(String(decoding: bytes, as: UTF8.self)) \(bytes)")
            if first.hasPrefix("ok") { accepted += 1 }
        }
        #expect(accepted > 0)
    }

    @Test func deepNestingDoesNotExhaustTheStack() {
        let depth = 30_000
        let text = "{\"props\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        #expect(classify(Array(text.utf8)) == "missing_field")
        let unbalanced = "{\"props\":" + String(repeating: "[", count: depth) + "}"
        #expect(classify(Array(unbalanced.utf8)) == "not_json")
    }

    @Test func theEightByteStringMaskFindsTheFirstSpecialByte() {
        var rng = SplitMix64(seed: 11)
        // Words of plain characters with up to three bytes of each kind placed anywhere.
        let special: [UInt8] = [0x00, 0x01, 0x1F, 0x20, 0x21, 0x22, 0x5B, 0x5C, 0x5D, 0x7E, 0x7F, 0x80, 0xC3, 0xFF]
        func isSpecial(_ b: UInt8) -> Bool { b < 0x20 || b >= 0x80 || b == 0x22 || b == 0x5C }
        for _ in 0..<40_000 {
            var bytes = (0..<8).map { _ in UInt8(0x20 + rng.next() % 0x5F) }
            for _ in 0..<Int(rng.next() % 4) {
                bytes[Int(rng.next() % 8)] = special[Int(rng.next() % UInt64(special.count))]
            }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let mask = JSONScanner.specialBytes(word)
            let first = bytes.firstIndex(where: isSpecial)
            #expect((mask == 0) == (first == nil), "\(bytes)")
            if let first { #expect(mask.trailingZeroBitCount >> 3 == first, "\(bytes)") }
        }
    }
}
