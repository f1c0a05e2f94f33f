#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RevisitCore
import RevisitKafka

/// The JSON line `revisit tail` prints for a message:
/// `{"topic","partition","offset","timestamp","key","value"}`, then `"headers"` when the
/// message has any.
///
/// A value that is a JSON text is embedded as it is (line breaks between its tokens become
/// spaces, so that a message stays one line); any other value, the key and header values
/// become JSON strings, invalid UTF-8 replaced by U+FFFD. An empty value is `null`.
///
/// Written straight into a ``JSONBuffer``: a tail prints every message of a topic, and this
/// runs once per message.
public enum MessageEnvelope {
    /// Appends the envelope of `message` to `buffer`, without a line break.
    public static func append(_ message: ConsumedMessage, to buffer: inout JSONBuffer) {
        buffer.raw(#"{"topic":"#)
        buffer.string(message.topic)
        buffer.raw(#","partition":"#)
        buffer.integer(message.partition)
        buffer.raw(#","offset":"#)
        buffer.integer(message.offset)
        buffer.raw(#","timestamp":"#)
        if let timestamp = message.timestamp { buffer.integer(timestamp) } else { buffer.raw("null") }
        buffer.raw(#","key":"#)
        if let key = message.key { text(key, to: &buffer) } else { buffer.raw("null") }
        buffer.raw(#","value":"#)
        value(message.value, to: &buffer)
        if !message.headers.isEmpty {
            buffer.raw(#","headers":{"#)
            for (index, header) in message.headers.enumerated() {
                if index > 0 { buffer.byte(0x2C) }
                buffer.string(header.name)
                buffer.byte(0x3A)
                if let value = header.value { text(value, to: &buffer) } else { buffer.raw("null") }
            }
            buffer.byte(0x7D)
        }
        buffer.byte(0x7D)
    }

    /// A JSON value as it is, anything else as a string.
    private static func value(_ bytes: [UInt8], to buffer: inout JSONBuffer) {
        guard !bytes.isEmpty else {
            buffer.raw("null")
            return
        }
        bytes.withUnsafeBytes { raw in
            guard JSONText.isValid(raw) else {
                text(raw, to: &buffer)
                return
            }
            // In a JSON text a line break can only be whitespace between tokens.
            guard memchr(raw.baseAddress!, 0x0A, raw.count) != nil || memchr(raw.baseAddress!, 0x0D, raw.count) != nil else {
                buffer.raw(raw)
                return
            }
            raw.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }.withUnsafeBytes { buffer.raw($0) }
        }
    }

    private static func text(_ bytes: [UInt8], to buffer: inout JSONBuffer) {
        bytes.withUnsafeBytes { text($0, to: &buffer) }
    }

    /// Bytes as a JSON string, read as UTF-8 the way `String(decoding:as:)` reads them.
    private static func text(_ bytes: UnsafeRawBufferPointer, to buffer: inout JSONBuffer) {
        if JSONText.isValidUTF8(bytes) {
            buffer.string(bytes: bytes)
        } else {
            // String's repair replaces each maximal invalid subsequence with one U+FFFD.
            buffer.string(String(decoding: bytes, as: UTF8.self))
        }
    }
}
