import Testing
@testable import RevisitCore

@Suite struct ProcessorValidationTests {
    typealias S = TestSupport

    func reasons(_ out: [OutputRecord]) -> [DeadLetterReason] { S.deadLetters(out).map(\.reason) }

    @Test func badTimeZone() {
        let out = S.run([S.event("u", S.t("2024-01-01T00:00:00Z"), tz: "Mars/Olympus")])
        #expect(reasons(out) == [.badTimeZone])
        #expect(S.profiles(out).isEmpty)
    }

    /// SPEC 1: an IANA name, not an offset that Foundation would also read as a zone.
    @Test(arguments: ["UTC+8", "GMT+8", "+08:00", "GMT+0800", "UTC-05:00", "Mars/Base", "utc", ""])
    func offsetsAndUnknownNamesAreBadTimeZones(tz: String) {
        let out = S.run([S.event("u", S.t("2024-01-01T00:00:00Z"), tz: tz)])
        #expect(reasons(out) == [.badTimeZone], "\(tz)")
    }

    @Test(arguments: ["UTC", "Etc/UTC", "Asia/Shanghai", "America/New_York", "Etc/GMT-8", "PRC", "US/Pacific", "GMT"])
    func ianaNamesAndTheirLinksAreZones(tz: String) {
        let out = S.run([S.event("u", S.t("2024-01-01T00:00:00Z"), tz: tz)])
        #expect(reasons(out).isEmpty, "\(tz)")
        #expect(ZoneName.isValid(tz))
    }

    @Test func timestampRange() {
        let out = S.run([
            S.event("u", S.t("1999-12-31T23:59:59.999Z")),
            S.event("u", S.t("2000-01-01T00:00:00Z")),
            S.event("u", S.wallClock + S.dayMs + 1),
        ])
        #expect(reasons(out) == [.timestampOutOfRange, .timestampOutOfRange])
        #expect(S.finalProfile(out, "u")?.eventsTotal == 1)
    }

    @Test func futureSkewBoundaryIsAccepted() {
        let out = S.run([S.event("u", S.wallClock + S.dayMs)])
        #expect(reasons(out).isEmpty)
    }

    @Test func tooLateAgainstTheWatermark() {
        let t0 = S.t("2024-01-01T12:00:00Z")
        let lateness = RetentionRules().allowedLateness.milliseconds
        let out = S.run([
            S.event("a", t0),
            S.event("b", t0 - lateness),  // exactly W: accepted
            S.event("c", t0 - lateness - 1),  // behind W: too late
        ])
        #expect(reasons(out) == [.tooLate])
        #expect(S.finalProfile(out, "b") != nil)
        #expect(S.finalProfile(out, "c") == nil)
    }

    @Test func invalidEventsDoNotMoveTheWatermark() {
        let t0 = S.t("2024-01-01T12:00:00Z")
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        p.process(value: S.event("a", t0), key: nil, source: SourcePosition(topic: "t", partition: 0, offset: 0))
        p.process(value: S.event("a", t0 + S.hour, tz: "Nope/Nope"), key: nil, source: SourcePosition(topic: "t", partition: 0, offset: 1))
        #expect(p.watermark == t0 - RetentionRules().allowedLateness.milliseconds)
        #expect(p.counters.deadLetters[.badTimeZone] == 1)
        #expect(p.counters.received == 2)
    }

    @Test func deadLetterKeepsKeyValueAndSource() {
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        let value = S.event("u1", S.t("2024-01-01T00:00:00Z"))
        p.process(value: value, key: Array("u2".utf8), source: SourcePosition(topic: "events", partition: 3, offset: 42))
        let letters = S.deadLetters(p.takeOutputs())
        #expect(letters.count == 1)
        #expect(letters.first?.reason == .keyMismatch)
        #expect(letters.first?.value == value)
        #expect(letters.first?.key == Array("u2".utf8))
        #expect(letters.first?.source.description == "events/3/42")
    }

    @Test func everyMessageIsCounted() {
        let t0 = S.t("2024-01-01T00:00:00Z")
        var p = try! PartitionProcessor(rules: RetentionRules(), wallClock: S.wallClock)
        let lines = [S.event("u", t0, id: "x"), S.event("u", t0 + 1000, id: "x"), Array("nope".utf8), S.event("u", t0 + 2000)]
        for (i, line) in lines.enumerated() {
            p.process(value: line, key: nil, source: SourcePosition(topic: "t", partition: 0, offset: Int64(i)))
        }
        p.finish(at: t0 + 2000)
        #expect(p.counters.applied + p.counters.duplicates + p.counters.deadLettersTotal == p.counters.received)
        #expect(p.counters.duplicates == 1)
    }
}
