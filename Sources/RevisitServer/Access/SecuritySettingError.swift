/// A setting of access control or masking that cannot be used: what is wrong, where it came
/// from, and how to fix it. It stops the command at start; no message holds a secret.
public enum SecuritySettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A token or key file that does not exist.
    case missingFile(path: String, option: String)
    /// A token or key file that exists but cannot be read.
    case unreadableFile(path: String, option: String, reason: String)
    /// A token source that holds no token.
    case noTokens(source: AccessTokenSource)
    /// A token that is too short or has a character a bearer token cannot have.
    case invalidToken(source: AccessTokenSource, position: Int, problem: String)
    /// The same tokens given by a file and by an environment variable.
    case twoSources(option: String, variable: String)
    /// Endpoints to protect, and no tokens to protect them with.
    case protectedWithoutTokens(endpoints: [String], option: String, variable: String)
    /// An endpoint name `--protect` does not know.
    case unknownEndpoint(name: String, known: [String])
    /// A masking key shorter than the minimum.
    case shortKey(path: String, bytes: Int, minimum: Int)

    public var description: String {
        switch self {
        case let .missingFile(path, option):
            "\(option) \(path): the file does not exist; create it readable only by the service user, e.g. "
                + "openssl rand -hex 32 > \(path) && chmod 600 \(path)"
        case let .unreadableFile(path, option, reason):
            "\(option) \(path): cannot be read (\(reason)); make it readable by the user that runs revisit"
        case let .noTokens(source):
            "\(source) holds no token; write one per line (e.g. the output of openssl rand -hex 32)"
        case let .invalidToken(source, position, problem):
            "\(source): token \(position) \(problem); generate tokens with openssl rand -hex 32"
        case let .twoSources(option, variable):
            "the tokens are given twice, by \(option) and by \(variable); keep one of the two"
        case let .protectedWithoutTokens(endpoints, option, variable):
            "--protect \(endpoints.joined(separator: ",")) needs tokens: give \(option) FILE or set \(variable)"
        case let .unknownEndpoint(name, known):
            "--protect takes \(known.joined(separator: ", ")); got \"\(name.prefix(64))\""
        case let .shortKey(path, bytes, minimum):
            "--mask-key-file \(path): the key has \(bytes) bytes, at least \(minimum) are needed; "
                + "make one with openssl rand -hex 32 > \(path) && chmod 600 \(path)"
        }
    }
}
