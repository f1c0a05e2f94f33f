import Crypto
import Foundation
import Synchronization

/// A set of bearer tokens, any of which opens the endpoints it protects: several, so that a
/// token can be rotated (add the new one, move the clients, remove the old one).
///
/// Only the SHA-256 digest of each token is held. A presented token is hashed and compared
/// with every digest in constant time, so neither the time an answer takes nor its length
/// tells anything about the tokens. A file source is read again by ``reload()`` (the
/// commands call it on SIGHUP); an environment variable is read once.
public final class AccessTokens: Sendable {
    /// The fewest characters a token may have: 16 random characters and more cannot be guessed.
    public static let minimumLength = 16
    /// The most characters a token may have.
    public static let maximumLength = 1024

    public let source: AccessTokenSource
    private let digests: Mutex<[[UInt8]]>

    /// Reads the tokens of `source`; `environment` is the process's, for an environment source.
    ///
    /// - Throws: ``SecuritySettingError`` for a missing or unreadable file, no token, or a
    ///   token that is too short, too long or not made of the characters a bearer token has.
    public init(source: AccessTokenSource, environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecuritySettingError) {
        self.source = source
        self.digests = Mutex(try Self.read(source, environment: environment))
    }

    /// Tokens given in code (tests, tools), checked like any others.
    public init(tokens: [String]) throws(SecuritySettingError) {
        let source = AccessTokenSource.environment(variable: "(tokens given in code)")
        self.source = source
        self.digests = Mutex(try Self.digests(of: tokens, source: source))
    }

    /// How many tokens open the endpoints.
    public var count: Int { digests.withLock { $0.count } }

    /// Reads a file source again and uses its tokens from now on; returns how many there are.
    /// An environment source keeps its tokens.
    ///
    /// - Throws: ``SecuritySettingError``; the tokens in use are then kept.
    @discardableResult
    public func reload(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecuritySettingError) -> Int {
        guard case .file = source else { return count }
        let fresh = try Self.read(source, environment: environment)
        digests.withLock { $0 = fresh }
        return fresh.count
    }

    /// Whether `token` is one of the tokens, compared in constant time.
    public func accepts(_ token: some StringProtocol) -> Bool {
        let presented = Array(SHA256.hash(data: Array(token.utf8)))
        let known = digests.withLock { $0 }
        // Every digest is compared to its end: no early exit tells which byte or which token differed.
        var matches: UInt8 = 0
        for digest in known {
            var difference: UInt8 = 0
            for (a, b) in zip(digest, presented) { difference |= a ^ b }
            matches |= difference == 0 ? 1 : 0
        }
        return matches == 1
    }

    /// A warning for a token file that other users of the host can read, else nil.
    public var exposure: String? {
        guard case let .file(path, option) = source else { return nil }
        return Self.exposure(of: path, option: option)
    }

    /// A warning for a secret file that other users of the host can read, else nil.
    static func exposure(of path: String, option: String) -> String? {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
              mode & 0o077 != 0 else { return nil }
        return "\(option) \(path) can be read by other users of this host (mode \(String(mode, radix: 8))): chmod 600 \(path)"
    }

    // MARK: - Reading

    private static func read(_ source: AccessTokenSource, environment: [String: String]) throws(SecuritySettingError) -> [[UInt8]] {
        let tokens: [String]
        switch source {
        case let .file(path, option):
            let text = try readSecretFile(path, option: option)
            tokens = text.split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        case let .environment(variable):
            tokens = (environment[variable] ?? "").split { $0 == "," || $0.isWhitespace }.map(String.init)
        }
        return try digests(of: tokens, source: source)
    }

    private static func digests(of tokens: [String], source: AccessTokenSource) throws(SecuritySettingError) -> [[UInt8]] {
        guard !tokens.isEmpty else { throw .noTokens(source: source) }
        var digests: [[UInt8]] = []
        for (index, token) in tokens.enumerated() {
            // The problem is described, never the token.
            if token.count < minimumLength {
                throw .invalidToken(source: source, position: index + 1, problem: "has \(token.count) characters; a token needs at least \(minimumLength)")
            }
            if token.count > maximumLength {
                throw .invalidToken(source: source, position: index + 1, problem: "has more than \(maximumLength) characters")
            }
            if !isBearerToken(token) {
                throw .invalidToken(
                    source: source, position: index + 1,
                    problem: "has a character a bearer token cannot have (letters, digits and - . _ ~ + / only, = at the end)")
            }
            digests.append(Array(SHA256.hash(data: Array(token.utf8))))
        }
        return digests
    }

    /// RFC 6750's `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    static func isBearerToken(_ token: String) -> Bool {
        let body = token.utf8.reversed().drop { $0 == UInt8(ascii: "=") }
        guard !body.isEmpty else { return false }
        return body.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default:
                false
            }
        }
    }

    /// The text of a file that holds a secret.
    static func readSecretFile(_ path: String, option: String) throws(SecuritySettingError) -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path, option: option) }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableFile(path: path, option: option, reason: (error as NSError).localizedDescription)
        }
    }
}
