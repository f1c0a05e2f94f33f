/// Where a set of bearer tokens comes from: a file (one token per line) or an environment
/// variable (tokens separated by commas or white space). Never the command line, which any
/// user of the host can read in the process list.
public enum AccessTokenSource: Sendable, Equatable, CustomStringConvertible {
    /// A file, named by `option` on the command line.
    case file(path: String, option: String)
    /// An environment variable.
    case environment(variable: String)

    public var description: String {
        switch self {
        case let .file(path, option): "the token file \(path) (\(option))"
        case let .environment(variable): "the environment variable \(variable)"
        }
    }

    /// The source the command line and the environment name: the file of `option` when it
    /// is given, else `variable` when it is set, else nil.
    ///
    /// - Throws: ``SecuritySettingError/twoSources(option:variable:)`` when both are given.
    public static func chosen(
        file: String?, option: String, variable: String, environment: [String: String]
    ) throws(SecuritySettingError) -> AccessTokenSource? {
        let fromEnvironment = environment[variable].map { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? false
        switch (file, fromEnvironment) {
        case (let path?, false): return .file(path: path, option: option)
        case (nil, true): return .environment(variable: variable)
        case (_?, true): throw .twoSources(option: option, variable: variable)
        case (nil, false): return nil
        }
    }
}
