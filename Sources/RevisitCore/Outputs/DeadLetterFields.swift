/// What the dead-letter topic keeps of an invalid event (`dead_letter_fields`).
///
/// An invalid event may carry personal data anywhere in its bytes (a user id, an address in
/// `props`), and the dead-letter topic is read by whoever debugs the producers. ``all`` keeps
/// the original key and bytes (SPEC 6), so a producer's mistake can be seen and the event
/// replayed once fixed; ``only(_:)`` keeps the named members of the event's JSON object and
/// nothing else.
public enum DeadLetterFields: Sendable, Equatable {
    /// The original key and bytes: the default.
    case all
    /// These top-level members of the event, as they were written and in their order; the
    /// message key (the user id) only when `user_id` is one of them. An event that is not a
    /// JSON object, or is `too_large` (it is not read), keeps an empty value.
    case only([String])

    /// The name that stands for ``all`` in a pipeline file.
    public static let allName = "all"

    /// The key and value the dead letter of a message with `key` and `value` holds.
    public func kept(
        reason: DeadLetterReason, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer
    ) -> (key: [UInt8]?, value: [UInt8]) {
        guard case .only(let names) = self else { return (key.map { Array($0) }, Array(value)) }
        let keptKey = names.contains("user_id") ? key.map { Array($0) } : nil
        // A too-large event is not read: reading it is what max_event_bytes prevents.
        guard reason != .tooLarge, let object = JSONObjectMembers(value) else { return (keptKey, []) }
        var out: [UInt8] = [0x7B]
        for member in object.members where names.contains(member.name) {
            if out.count > 1 { out.append(0x2C) }
            out += UnsafeRawBufferPointer(rebasing: value[member.nameRange])
            out.append(0x3A)
            out += UnsafeRawBufferPointer(rebasing: value[member.valueRange])
        }
        out.append(0x7D)
        return (keptKey, out)
    }

    /// Whether `name` can name a member to keep: 1 to 128 bytes, no control character, not
    /// the word that stands for ``all``.
    static func isFieldName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count) && name != allName && !name.unicodeScalars.contains { $0.value < 0x20 }
    }
}
