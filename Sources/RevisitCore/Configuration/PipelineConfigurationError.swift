/// Where a setting's value came from, for error messages.
public enum SettingOrigin: Sendable, Equatable, CustomStringConvertible {
    /// A pipeline file, at a 1-based line and column.
    case file(name: String, line: Int, column: Int)
    /// A `--set NAME=VALUE` argument (as given, with secret values already hidden).
    case override(argument: String)
    /// The built-in default, or a value set in code.
    case defaults

    public var description: String {
        switch self {
        case let .file(name, line, _): "\(name):\(line)"
        case let .override(argument): "--set \(argument)"
        case .defaults: "default settings"
        }
    }

    /// The line in the pipeline file, when the value came from one.
    public var line: Int? {
        if case let .file(_, line, _) = self { line } else { nil }
    }
}

/// Why a pipeline file or a `--set` override cannot be used. Every case names where the
/// problem is (file and line, or the `--set` argument) and the setting; `description` is the
/// message a command prints before stopping. Values of secret Kafka properties never appear.
public enum PipelineConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The file is not valid YAML.
    case syntax(problem: String, origin: SettingOrigin)
    /// The document, or a group such as `topics`, is not a mapping of names to values.
    case notAMapping(name: String?, origin: SettingOrigin)
    /// No setting has this name; `suggestion` is the nearest known name, if one is close.
    case unknownSetting(name: String, suggestion: String?, origin: SettingOrigin)
    /// The value is not one the setting accepts. `value` is nil when it is withheld (secret)
    /// or absent (an empty value).
    case invalidValue(setting: String, value: String?, accepts: String, origin: SettingOrigin)
    /// The same setting appears twice in the file.
    case duplicateSetting(name: String, firstLine: Int, origin: SettingOrigin)
    /// A `--set` argument that is not `NAME=VALUE`.
    case malformedOverride(argument: String)
    /// Two settings that are each valid but contradict each other.
    case conflictingSettings(setting: String, detail: String, origin: SettingOrigin)

    /// The setting the error is about, if any.
    public var setting: String? {
        switch self {
        case .syntax, .malformedOverride: nil
        case let .notAMapping(name, _): name
        case let .unknownSetting(name, _, _), let .duplicateSetting(name, _, _): name
        case let .invalidValue(setting, _, _, _), let .conflictingSettings(setting, _, _): setting
        }
    }

    /// Where the offending value came from.
    public var origin: SettingOrigin? {
        switch self {
        case .malformedOverride: nil
        case let .syntax(_, origin), let .notAMapping(_, origin), let .unknownSetting(_, _, origin),
             let .invalidValue(_, _, _, origin), let .duplicateSetting(_, _, origin),
             let .conflictingSettings(_, _, origin):
            origin
        }
    }

    public var description: String {
        switch self {
        case let .syntax(problem, origin):
            "\(origin): not valid YAML: \(problem)"
        case let .notAMapping(name?, origin):
            "\(origin): \(name) must be a group of settings (name: value lines indented under it)"
        case let .notAMapping(nil, origin):
            "\(origin): a pipeline file must be a mapping of setting names to values"
        case let .unknownSetting(name, suggestion, origin):
            "\(origin): unknown setting \"\(name)\"" + (suggestion.map { "; did you mean \"\($0)\"?" } ?? "")
        case let .invalidValue(setting, value?, accepts, origin):
            "\(origin): \(setting): \"\(value)\" is not valid; it accepts \(accepts)"
        case let .invalidValue(setting, nil, accepts, origin):
            "\(origin): \(setting): invalid value; it accepts \(accepts)"
        case let .duplicateSetting(name, firstLine, origin):
            "\(origin): \(name) is already set on line \(firstLine)"
        case let .malformedOverride(argument):
            "--set \(argument): expected NAME=VALUE, e.g. --set timezone=Asia/Shanghai"
        case let .conflictingSettings(setting, detail, origin):
            "\(origin): \(setting): \(detail)"
        }
    }
}
