/// The members of a JSON object, as byte ranges of its text: enough to keep, drop or replace
/// some of them and copy the rest exactly as they were written.
///
/// The text is checked against the whole JSON grammar (``JSONScanner``); nested values are
/// skipped, not read.
public struct JSONObjectMembers: Sendable, Equatable {
    /// One `"name": value` of the object.
    public struct Member: Sendable, Equatable {
        /// The name, escapes resolved.
        public var name: String
        /// The name as written, quotes included.
        public var nameRange: Range<Int>
        /// The value as written.
        public var valueRange: Range<Int>
        /// Whether the value is a string (its range then includes the quotes).
        public var isString: Bool
    }

    /// The members in the order of the text (a name written twice appears twice).
    public var members: [Member]

    /// The members of `json`, or nil when it is not one JSON object (not JSON, or another
    /// kind of value).
    public init?(_ json: UnsafeRawBufferPointer) {
        var s = JSONScanner(json)
        var members: [Member] = []
        do throws(JSONSyntaxError) {
            s.skipWhitespace()
            try s.expect(0x7B, "'{'")
            s.skipWhitespace()
            if s.peek() == 0x7D {
                s.index += 1
            } else {
                while true {
                    s.skipWhitespace()
                    let nameStart = s.index
                    let name = try s.scanString()
                    let nameEnd = s.index
                    s.skipWhitespace()
                    try s.expect(0x3A, "':'")
                    s.skipWhitespace()
                    let valueStart = s.index
                    let value = try s.scanValue()
                    let decoded = name.hasEscapes
                        ? s.decodedBytes(name)
                        : Array(UnsafeRawBufferPointer(rebasing: json[name.start..<name.end]))
                    members.append(Member(
                        name: String(decoding: decoded, as: UTF8.self), nameRange: nameStart..<nameEnd,
                        valueRange: valueStart..<s.index, isString: value.kind == .string))
                    s.skipWhitespace()
                    guard let next = s.peek() else { return nil }
                    s.index += 1
                    if next == 0x7D { break }
                    guard next == 0x2C else { return nil }
                }
            }
            s.skipWhitespace()
            guard s.isAtEnd else { return nil }
        } catch {
            return nil
        }
        self.members = members
    }

    /// Convenience for byte arrays.
    public init?(_ json: [UInt8]) {
        guard let members = json.withUnsafeBytes({ JSONObjectMembers($0) }) else { return nil }
        self = members
    }

    /// The first member named `name`.
    public func first(_ name: String) -> Member? {
        members.first { $0.name == name }
    }

    /// The text of a string value (escapes resolved), or nil when `member` is not a string.
    public static func string(of member: Member, in json: UnsafeRawBufferPointer) -> String? {
        guard member.isString else { return nil }
        var s = JSONScanner(UnsafeRawBufferPointer(rebasing: json[..<member.valueRange.upperBound]))
        s.index = member.valueRange.lowerBound
        guard let token = try? s.scanString() else { return nil }
        return String(decoding: s.decodedBytes(token), as: UTF8.self)
    }
}
