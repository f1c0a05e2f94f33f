import Crypto
import Foundation
import RevisitCore

/// Masks user ids where people read them (`revisit serve --mask-key-file`): each id becomes
/// the first 10 bytes of its HMAC-SHA256 under a secret key, in hex (20 characters).
///
/// The same key gives the same masked id on every server and after every restart, so a
/// masked id found on the dashboard looks the user up; without the key, a masked id cannot
/// be traced back to its user, nor can a list of known ids be masked to find one (a plain
/// hash could). 80 bits keep ids apart: that any two of a hundred million users share one
/// has a chance of about 4 in 10^9. The topics keep the real ids, which the systems that act
/// on alerts need.
public struct UserIDMask: Sendable {
    /// The fewest bytes a key may have.
    public static let minimumKeyBytes = 32
    /// Bytes of the HMAC a masked user id keeps.
    static let maskedBytes = 10

    private let key: SymmetricKey

    /// A mask with `key` (at least ``minimumKeyBytes`` bytes).
    public init(key: [UInt8]) throws(SecuritySettingError) {
        guard key.count >= Self.minimumKeyBytes else {
            throw .shortKey(path: "(key given in code)", bytes: key.count, minimum: Self.minimumKeyBytes)
        }
        self.key = SymmetricKey(data: key)
    }

    /// The key held in the file at `path`: its bytes, without the white space around them
    /// (a key written by `openssl rand -hex 32 > FILE` is the 64 characters).
    ///
    /// - Throws: ``SecuritySettingError`` for a missing or unreadable file or a short key.
    public init(keyFile path: String, option: String = "--mask-key-file") throws(SecuritySettingError) {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path, option: option) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, option: option, reason: "permission denied or not a file")
        }
        let bytes = Array(data)
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let key = Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
        guard key.count >= Self.minimumKeyBytes else {
            throw .shortKey(path: path, bytes: key.count, minimum: Self.minimumKeyBytes)
        }
        self.key = SymmetricKey(data: key)
    }

    /// A warning for a key file that other users of the host can read, else nil.
    public static func exposure(ofKeyFile path: String, option: String = "--mask-key-file") -> String? {
        AccessTokens.exposure(of: path, option: option)
    }

    /// The masked form of `userID`: 20 lowercase hex digits.
    public func userID(_ userID: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(userID.utf8), using: key), bytes: Self.maskedBytes)
    }

    /// The masked form of an `alert_id`, 16 hex digits like the original. An alert id is a
    /// hash of the user, the type and the instant, all of which but the user an alert shows:
    /// kept as it is, it would let a list of known ids be tried against it.
    public func alertID(_ alertID: String) -> String {
        // A prefix of its own keeps an alert id from ever masking to a user id's mask.
        hex(HMAC<SHA256>.authenticationCode(for: Array(("alert_id:" + alertID).utf8), using: key), bytes: 8)
    }

    /// `json` with the string values of the members `user_id` and `alert_id` masked, and
    /// every other byte as it was; nil when it is not a JSON object.
    public func maskingIDs(in json: [UInt8]) -> [UInt8]? {
        json.withUnsafeBytes { bytes -> [UInt8]? in
            guard let object = JSONObjectMembers(bytes) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(json.count)
            var copied = 0
            for member in object.members where member.name == "user_id" || member.name == "alert_id" {
                guard let value = JSONObjectMembers.string(of: member, in: bytes) else { continue }
                let masked = member.name == "user_id" ? userID(value) : alertID(value)
                out += bytes[copied..<member.valueRange.lowerBound]
                out += Array("\"\(masked)\"".utf8)
                copied = member.valueRange.upperBound
            }
            out += bytes[copied...]
            return out
        }
    }

    private func hex(_ code: HashedAuthenticationCode<SHA256>, bytes: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(2 * bytes)
        for byte in code.prefix(bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
