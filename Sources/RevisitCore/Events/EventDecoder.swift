/// Decodes and validates the event schema of SPEC section 1 straight from message bytes.
///
/// Checks, in the SPEC's order: `too_large`, `not_json`, `not_object`, `missing_field`,
/// `wrong_type`, `key_mismatch`. The remaining checks (`bad_tz`, `ts_out_of_range`,
/// `too_late`) need the processor's zone table, wall clock and watermark.
///
/// Unknown fields are skipped after a full syntax check. When a field appears twice the last
/// occurrence counts, as with most JSON readers.
public struct EventDecoder: Sendable {
    /// `max_event_bytes`.
    public var maxEventBytes: Int
    private let names = FieldNames()

    public init(maxEventBytes: Int = 65_536) {
        self.maxEventBytes = maxEventBytes
    }

    /// The outcome of decoding one message.
    public typealias Outcome = Result<ParsedEvent, EventRejection>

    /// Decodes a message value; `key` is the message key (nil when the message has none).
    public func decode(value: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer?) -> Outcome {
        guard value.count <= maxEventBytes else {
            return .failure(EventRejection(.tooLarge, "event is \(value.count) bytes, more than max_event_bytes \(maxEventBytes)"))
        }
        var scanner = JSONScanner(value)
        var fields = Fields()
        do {
            try scanDocument(&scanner, into: &fields)
        } catch let syntax as JSONSyntaxError {
            return .failure(EventRejection(.notJSON, "not JSON at byte \(syntax.offset): \(syntax.message)"))
        } catch let rejection as EventRejection {
            return .failure(rejection)
        } catch {
            return .failure(EventRejection(.notJSON, "not JSON"))
        }
        return validate(fields, scanner, key: key)
    }

    /// Convenience for byte arrays.
    public func decode(value: [UInt8], key: [UInt8]? = nil) -> Outcome {
        value.withUnsafeBytes { v in
            guard let key else { return decode(value: v, key: nil) }
            return key.withUnsafeBytes { k in decode(value: v, key: k) }
        }
    }

    // MARK: - Fields of the schema

    private struct Slot {
        var kind: JSONKind
        var start: Int
        var end: Int
        /// Strings: contains escapes. Numbers: is an integer.
        var flag: Bool
    }

    private struct Fields {
        var eventID: Slot?
        var userID: Slot?
        var type: Slot?
        var ts: Slot?
        var tz: Slot?
        var revenue: Slot?
        var channel: Slot?
        var campaign: Slot?
        var variant: Slot?
        var props: Slot?
    }

    private enum Field {
        case eventID, userID, type, ts, tz, revenue, channel, campaign, variant, props
    }

    // MARK: - Syntax

    private func scanDocument(_ s: inout JSONScanner, into fields: inout Fields) throws {
        s.skipWhitespace()
        guard s.peek() == 0x7B else {
            _ = try s.scanValue()
            s.skipWhitespace()
            guard s.isAtEnd else { throw s.error("trailing characters") }
            throw EventRejection(.notObject, "event is a JSON value but not an object")
        }
        s.index += 1
        s.skipWhitespace()
        if s.peek() == 0x7D {
            s.index += 1
        } else {
            while true {
                s.skipWhitespace()
                let name = try s.scanString()
                s.skipWhitespace()
                try s.expect(0x3A, "':'")
                s.skipWhitespace()
                let field = identify(name, s)
                let valueStart = s.index
                let (kind, string, number) = try s.scanValue()
                if let field {
                    let slot: Slot
                    if let string {
                        slot = Slot(kind: .string, start: string.start, end: string.end, flag: string.hasEscapes)
                    } else if let number {
                        slot = Slot(kind: .number, start: number.start, end: number.end, flag: number.isInteger)
                    } else {
                        slot = Slot(kind: kind, start: valueStart, end: s.index, flag: false)
                    }
                    store(slot, field, &fields)
                }
                s.skipWhitespace()
                guard let next = s.peek() else { throw s.error("unterminated object") }
                s.index += 1
                if next == 0x7D { break }
                guard next == 0x2C else { throw s.error("expected ',' or '}'") }
            }
        }
        s.skipWhitespace()
        guard s.isAtEnd else { throw s.error("trailing characters") }
    }

    private func store(_ slot: Slot, _ field: Field, _ f: inout Fields) {
        // `null` counts as absent (SPEC 1).
        let value: Slot? = slot.kind == .null ? nil : slot
        switch field {
        case .eventID: f.eventID = value
        case .userID: f.userID = value
        case .type: f.type = value
        case .ts: f.ts = value
        case .tz: f.tz = value
        case .revenue: f.revenue = value
        case .channel: f.channel = value
        case .campaign: f.campaign = value
        case .variant: f.variant = value
        case .props: f.props = value
        }
    }

    private func identify(_ name: JSONStringToken, _ s: JSONScanner) -> Field? {
        if name.hasEscapes {
            return s.decodedBytes(name).withUnsafeBytes { field(count: $0.count, packed: FieldNames.pack($0)) }
        }
        let count = name.end - name.start
        guard count >= 2, count <= 8 else { return nil }
        // A name is followed by at least `":` and a value, so eight bytes can mostly be read
        // at once and the ones past the name masked off.
        guard name.start + 8 <= s.bytes.count else {
            return field(count: count, packed: FieldNames.pack(UnsafeRawBufferPointer(rebasing: s.bytes[name.start..<name.end])))
        }
        let word = UInt64(littleEndian: s.bytes.loadUnaligned(fromByteOffset: name.start, as: UInt64.self))
        return field(count: count, packed: count == 8 ? word : word & (1 << UInt64(8 * count) - 1))
    }

    /// The field whose name has `count` bytes, packed little-endian into `packed`.
    private func field(count: Int, packed: UInt64) -> Field? {
        // Every known name fits 8 bytes: compare them as one integer each (with the length,
        // so that a name with trailing NUL bytes is not taken for a shorter one).
        switch count {
        case 2: return packed == names.ts ? .ts : packed == names.tz ? .tz : nil
        case 4: return packed == names.type ? .type : nil
        case 5: return packed == names.props ? .props : nil
        case 7:
            switch packed {
            case names.userID: return .userID
            case names.revenue: return .revenue
            case names.channel: return .channel
            case names.variant: return .variant
            default: return nil
            }
        case 8: return packed == names.eventID ? .eventID : packed == names.campaign ? .campaign : nil
        default: return nil
        }
    }

    /// The known field names packed little-endian into integers, for ``field(count:packed:)``.
    ///
    /// Stored in the decoder rather than as static constants: those are initialised lazily,
    /// and every read of one would check that it is.
    private struct FieldNames: Sendable {
        let ts = pack("ts"), tz = pack("tz"), type = pack("type"), props = pack("props")
        let userID = pack("user_id"), revenue = pack("revenue"), channel = pack("channel")
        let variant = pack("variant"), eventID = pack("event_id"), campaign = pack("campaign")

        static func pack(_ name: StaticString) -> UInt64 {
            pack(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }

        /// Up to eight bytes as one little-endian integer.
        @inline(__always)
        static func pack(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
            var packed: UInt64 = 0
            for i in 0..<min(bytes.count, 8) { packed |= UInt64(bytes[i]) << UInt64(8 * i) }
            return packed
        }
    }

    // MARK: - Schema

    private func validate(_ f: Fields, _ s: JSONScanner, key: UnsafeRawBufferPointer?) -> Outcome {
        // missing_field
        guard let eventID = f.eventID else { return missing("event_id") }
        guard let userID = f.userID else { return missing("user_id") }
        guard let type = f.type else { return missing("type") }
        guard let ts = f.ts else { return missing("ts") }
        var kind = EventKind.activity
        if type.kind == .string {
            kind = withBytes(type, s) { t in
                Self.equals(t, "campaign_touch") ? .campaignTouch : Self.equals(t, "forget") ? .forget : .activity
            }
            if kind == .campaignTouch, f.campaign == nil {
                return missing("campaign", "a campaign_touch needs field `campaign`")
            }
        }

        // wrong_type
        guard isString(eventID, s, 1...128) else { return wrong("event_id", "a string of 1-128 bytes") }
        guard isString(userID, s, 1...256) else { return wrong("user_id", "a string of 1-256 bytes") }
        guard isString(type, s, 1...64) else { return wrong("type", "a string of 1-64 bytes") }
        let timestamp: Int64
        switch ts.kind {
        case .number:
            guard ts.flag else { return wrong("ts", "integer epoch milliseconds (no fraction or exponent)") }
            switch TimestampParser.parseInteger(s.bytes, start: ts.start, end: ts.end) {
            case .success(let v): timestamp = v
            case .failure: timestamp = Int64.min
            }
        case .string:
            switch TimestampParser.parseRFC3339(bytes(ts, s)) {
            case .success(let v): timestamp = v
            case .failure(.malformed(let why)): return wrong("ts", "an RFC 3339 date-time with offset (\(why))")
            case .failure(.outOfRange): timestamp = Int64.min
            }
        default:
            return wrong("ts", "integer epoch milliseconds or an RFC 3339 string")
        }
        var tzName: String?
        if let tz = f.tz {
            guard tz.kind == .string else { return wrong("tz", "a string naming an IANA zone") }
            tzName = text(tz, s)
        }
        var revenue = 0.0
        if let r = f.revenue {
            guard r.kind == .number, let v = number(r, s), v.isFinite, v >= 0 else {
                return wrong("revenue", "a number >= 0")
            }
            revenue = v == 0 ? 0 : v
        }
        if let c = f.channel, !isString(c, s, 0...32) { return wrong("channel", "a string of at most 32 bytes") }
        var campaign: String?
        if let c = f.campaign {
            let range = kind == .campaignTouch ? 1...128 : 0...128
            guard isString(c, s, range) else { return wrong("campaign", "a string of \(range.lowerBound)-128 bytes") }
            campaign = text(c, s)
        }
        var variant: String?
        if let v = f.variant {
            guard isString(v, s, 0...64) else { return wrong("variant", "a string of at most 64 bytes") }
            variant = text(v, s)
        }
        if let p = f.props, p.kind != .object { return wrong("props", "an object") }

        // key_mismatch
        if let key, !withBytes(userID, s, { key.elementsEqual($0) }) {
            return .failure(EventRejection(.keyMismatch, "message key differs from field `user_id`"))
        }

        let user = text(userID, s)
        let hash = withBytes(eventID, s) { FNV1a.hash($0) }
        return .success(ParsedEvent(
            userID: user, eventIDHash: hash, kind: kind, timestamp: timestamp,
            timeZoneName: tzName, revenue: revenue, campaign: campaign, variant: variant))
    }

    // MARK: - Helpers

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount
            && bytes.elementsEqual(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private func missing(_ name: String, _ detail: String? = nil) -> Outcome {
        .failure(EventRejection(.missingField, detail ?? "missing required field `\(name)`"))
    }

    private func wrong(_ name: String, _ expected: String) -> Outcome {
        .failure(EventRejection(.wrongType, "field `\(name)` must be \(expected)"))
    }

    /// The decoded bytes of a string slot, as a contiguous array slice of the buffer or a copy.
    private func bytes(_ slot: Slot, _ s: JSONScanner) -> [UInt8] {
        slot.flag
            ? s.decodedBytes(JSONStringToken(start: slot.start, end: slot.end, hasEscapes: true))
            : Array(UnsafeRawBufferPointer(rebasing: s.bytes[slot.start..<slot.end]))
    }

    /// Calls `body` with the decoded bytes of a string slot, copying only when it has escapes.
    private func withBytes<T>(_ slot: Slot, _ s: JSONScanner, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        if !slot.flag {
            return body(UnsafeRawBufferPointer(rebasing: s.bytes[slot.start..<slot.end]))
        }
        return bytes(slot, s).withUnsafeBytes(body)
    }

    /// Whether a slot is a string whose decoded byte length is within `range`.
    private func isString(_ slot: Slot, _ s: JSONScanner, _ range: ClosedRange<Int>) -> Bool {
        guard slot.kind == .string else { return false }
        if !slot.flag { return range.contains(slot.end - slot.start) }
        return range.contains(bytes(slot, s).count)
    }

    private func text(_ slot: Slot, _ s: JSONScanner) -> String {
        if !slot.flag {
            return String(decoding: UnsafeRawBufferPointer(rebasing: s.bytes[slot.start..<slot.end]), as: UTF8.self)
        }
        return String(decoding: bytes(slot, s), as: UTF8.self)
    }

    private func number(_ slot: Slot, _ s: JSONScanner) -> Double? {
        Double(String(decoding: UnsafeRawBufferPointer(rebasing: s.bytes[slot.start..<slot.end]), as: UTF8.self))
    }
}
