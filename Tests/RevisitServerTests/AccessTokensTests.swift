import Foundation
@testable import RevisitServer
import Testing

/// Bearer tokens: where they come from, what a token may be, the comparison, rotation, and
/// messages that say what to fix without showing a token.
@Suite("Access tokens: sources, checks, comparison, rotation")
struct AccessTokensTests {
    static let first = "0123456789abcdef0123456789abcdef"
    static let second = "fedcba9876543210fedcba9876543210"

    /// A file holding `text`, removed after `body`.
    static func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        let path = NSTemporaryDirectory() + "revisit-tokens-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    @Test("A file holds a token per line; blank lines and # comments are skipped; every token opens, nothing else does")
    func file() throws {
        try Self.withFile("# rotated 2026-05\n\n  \(Self.first)  \n\(Self.second)\n") { path in
            let tokens = try AccessTokens(source: .file(path: path, option: "--token-file"))
            #expect(tokens.count == 2)
            #expect(tokens.accepts(Self.first) && tokens.accepts(Self.second))
            for wrong in ["", String(Self.first.dropLast()), Self.first + "0", Self.first.uppercased(), " " + Self.first,
                          Self.first + Self.second, "0123456789abcdef"] {
                #expect(!tokens.accepts(wrong), "\(wrong)")
            }
        }
    }

    @Test("An environment variable holds tokens separated by commas or white space")
    func environment() throws {
        let tokens = try AccessTokens(
            source: .environment(variable: "REVISIT_TOKENS"), environment: ["REVISIT_TOKENS": " \(Self.first),\n\(Self.second) "])
        #expect(tokens.count == 2 && tokens.accepts(Self.second))
        #expect(try AccessTokenSource.chosen(file: nil, option: "--token-file", variable: "REVISIT_TOKENS",
                                             environment: ["REVISIT_TOKENS": Self.first]) == .environment(variable: "REVISIT_TOKENS"))
        #expect(try AccessTokenSource.chosen(file: nil, option: "--token-file", variable: "REVISIT_TOKENS", environment: [:]) == nil)
        #expect(throws: SecuritySettingError.twoSources(option: "--token-file", variable: "REVISIT_TOKENS")) {
            try AccessTokenSource.chosen(file: "/x", option: "--token-file", variable: "REVISIT_TOKENS",
                                         environment: ["REVISIT_TOKENS": Self.first])
        }
    }

    @Test("Unusable tokens stop the start with what to fix, never showing the token")
    func refusals() throws {
        let missing = "/nonexistent/revisit-tokens"
        let error = try #require(Self.error { try AccessTokens(source: .file(path: missing, option: "--token-file")) } as SecuritySettingError?)
        #expect(error == .missingFile(path: missing, option: "--token-file"))
        #expect(error.description.contains(missing) && error.description.contains("openssl rand -hex 32"))

        let cases: [(String, String)] = [
            ("# nothing but a comment\n\n", "holds no token"),
            ("short-token\n", "at least 16"),
            ("\(Self.first)\nhas spaces inside it, sixteen+\n", "token 2 has a character"),
            ("\(Self.first)\"quoted\"\n", "has a character"),
        ]
        for (text, problem) in cases {
            try Self.withFile(text) { path in
                let error = try #require(Self.error { try AccessTokens(source: .file(path: path, option: "--token-file")) }, "\(text)")
                #expect(error.description.contains(problem), "\(error)")
                #expect(error.description.contains(path))
                for secret in ["short-token", "quoted", Self.first, "sixteen"] {
                    #expect(!error.description.contains(secret), "\(error)")
                }
            }
        }
        #expect(AccessTokens.isBearerToken("abc-._~+/XYZ09=="))
        #expect(!AccessTokens.isBearerToken("abc=def") && !AccessTokens.isBearerToken("===="))
    }

    @Test("Rotation: a reload takes the file's tokens from then on; a file that cannot be used keeps the tokens in use")
    func rotation() throws {
        try Self.withFile("\(Self.first)\n\(Self.second)\n") { path in
            let tokens = try AccessTokens(source: .file(path: path, option: "--token-file"))
            try Data("\(Self.second)\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(try tokens.reload() == 1)
            #expect(!tokens.accepts(Self.first) && tokens.accepts(Self.second))
            try Data("too short\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: SecuritySettingError.self) { try tokens.reload() }
            #expect(tokens.accepts(Self.second))
        }
    }

    @Test("A token file other users can read is named in a warning")
    func exposure() throws {
        try Self.withFile("\(Self.first)\n") { path in
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            let tokens = try AccessTokens(source: .file(path: path, option: "--token-file"))
            #expect(tokens.exposure?.contains("chmod 600 \(path)") == true)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            #expect(tokens.exposure == nil)
        }
    }

    @Test("--protect names metrics, healthz, readyz; protecting needs operations tokens")
    func protect() throws {
        #expect(try HTTPAccessControl.endpoints(named: ["metrics,healthz", "/readyz"]) == [.metrics, .healthz, .readyz])
        #expect(throws: SecuritySettingError.self) { try HTTPAccessControl.endpoints(named: ["api"]) }
        #expect(throws: SecuritySettingError.self) { try HTTPAccessControl.endpoints(named: ["metric"]) }
        #expect(throws: SecuritySettingError.protectedWithoutTokens(
            endpoints: ["metrics"], option: "--operations-token-file", variable: "REVISIT_OPERATIONS_TOKENS")) {
            try HTTPAccessControl(api: nil, operations: nil, protecting: [.metrics])
        }
        let operations = try AccessTokens(tokens: [Self.first])
        let control = try HTTPAccessControl(api: nil, operations: operations, protecting: [.metrics])
        #expect(control.isProtected(.metrics) && !control.isProtected(.healthz) && !control.isProtected(.api))
    }

    @Test("The Authorization header: the Bearer scheme in any case, the token without the spaces around it")
    func header() {
        #expect(HTTPAccessControl.bearerToken("Bearer abc") == "abc")
        #expect(HTTPAccessControl.bearerToken("  bearer   abc  ") == "abc")
        for value in ["Basic abc", "Bearer", "Bearer   ", "Bearerabc", ""] {
            #expect(HTTPAccessControl.bearerToken(value) == nil, "\(value)")
        }
    }

    static func error(_ body: () throws -> some Any) -> SecuritySettingError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? SecuritySettingError
        }
    }
}
