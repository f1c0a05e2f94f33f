import RevisitSecrets
import Yams

/// Reads a pipeline file (SPEC 9) and `--set NAME=VALUE` overrides into a checked
/// `PipelineConfiguration`.
///
/// The file is a YAML mapping of the SPEC's setting names; `topics`, `churn_model` and
/// `kafka` are nested mappings (a dotted key such as `churn_model.alpha: 3` is read the same
/// way). Settings not in the file keep their defaults; overrides apply after the file, in
/// order. The first problem stops the load with a `PipelineConfigurationError` naming the
/// file and line, or the `--set` argument.
///
/// The loader is pure: the caller reads the file and passes its text.
public struct PipelineConfigurationLoader: Sendable {
    /// The settings a file and overrides start from.
    public var base: PipelineConfiguration

    public init(base: PipelineConfiguration = PipelineConfiguration()) {
        self.base = base
    }

    /// The configuration of a pipeline file `yaml` (nil: none, only defaults) named
    /// `fileName` in messages, with `overrides` (`NAME=VALUE` each) applied after it.
    public func load(
        yaml: String?, fileName: String = "pipeline", overrides: [String] = []
    ) throws(PipelineConfigurationError) -> PipelineConfiguration {
        var state = LoadState(configuration: base)
        if let yaml {
            try state.readFile(yaml, name: fileName)
        }
        for argument in overrides {
            try state.applyOverride(argument)
        }
        try state.configuration.validate(origins: state.origins)
        return state.configuration
    }
}

// MARK: - Loading

private struct LoadState {
    var configuration: PipelineConfiguration
    /// Where each setting set so far came from (for duplicates and cross-checks).
    var origins: [String: SettingOrigin] = [:]

    // MARK: File

    mutating func readFile(_ yaml: String, name: String) throws(PipelineConfigurationError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: name)
        } catch {
            throw .syntax(problem: "\(error)", origin: .file(name: name, line: 1, column: 1))
        }
        guard let root else { return }  // an empty file or only comments
        if Self.isNull(root) { return }
        guard case let .mapping(mapping) = root else {
            throw .notAMapping(name: nil, origin: Self.origin(root, file: name))
        }
        try readMapping(mapping, prefix: "", file: name)
    }

    private mutating func readMapping(
        _ mapping: Node.Mapping, prefix: String, file: String
    ) throws(PipelineConfigurationError) {
        for (keyNode, valueNode) in mapping {
            let keyOrigin = Self.origin(keyNode, file: file)
            guard case let .scalar(key) = keyNode, !key.string.isEmpty else {
                throw .notAMapping(name: prefix.isEmpty ? nil : prefix, origin: keyOrigin)
            }
            let name = prefix.isEmpty ? key.string : prefix + "." + key.string
            let valueOrigin = Self.origin(valueNode, file: file)

            // A group: descend. An empty group (`kafka:` with everything commented) is fine.
            if PipelineSettingCatalog.groups.contains(name) || (Self.isPassThrough(name) && valueNode.mapping != nil) {
                if Self.isNull(valueNode) { continue }
                guard case let .mapping(inner) = valueNode else {
                    throw .notAMapping(name: name, origin: valueOrigin)
                }
                try readMapping(inner, prefix: name, file: file)
                continue
            }
            if let firstLine = origins[name]?.line {
                throw .duplicateSetting(name: name, firstLine: firstLine, origin: keyOrigin)
            }
            // Named unknown before its value is read: a mapping or list under a misspelt name
            // is that name's mistake, not the value's.
            let setting = try Self.setting(named: name, origin: keyOrigin)
            let value = try Self.value(of: valueNode, setting: name, origin: valueOrigin)
            try apply(name, setting, value, origin: valueOrigin)
        }
    }

    /// The scalar or list a YAML value holds, or the reason it is neither.
    private static func value(
        of node: Node, setting: String, origin: SettingOrigin
    ) throws(PipelineConfigurationError) -> SettingValue? {
        switch node {
        case let .scalar(scalar):
            return isNull(node) ? nil : .scalar(scalar.string)
        case let .sequence(sequence):
            var items: [String] = []
            for item in sequence {
                guard case let .scalar(scalar) = item, !isNull(item) else {
                    throw .invalidValue(setting: setting, value: nil, accepts: accepts(setting), origin: origin)
                }
                items.append(scalar.string)
            }
            return .list(items)
        case .mapping, .alias:
            throw .invalidValue(setting: setting, value: nil, accepts: accepts(setting), origin: origin)
        }
    }

    // MARK: Overrides

    mutating func applyOverride(_ argument: String) throws(PipelineConfigurationError) {
        guard let equals = argument.firstIndex(of: "=") else {
            throw .malformedOverride(argument: Self.redacted(argument))
        }
        let name = String(argument[..<equals]).trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        let origin = SettingOrigin.override(argument: Self.redacted(argument))
        guard !name.isEmpty else { throw .malformedOverride(argument: Self.redacted(argument)) }
        if PipelineSettingCatalog.groups.contains(name) {
            throw .notAMapping(name: name, origin: origin)
        }
        let setting = try Self.setting(named: name, origin: origin)
        var value: SettingValue? = text.isEmpty ? nil : .scalar(text)
        if let setting, setting.isList {
            // `[3, 5, 7]` or `3,5,7`; `[]` is the empty list.
            var inner = Substring(text)
            if inner.hasPrefix("[") && inner.hasSuffix("]") { inner = inner.dropFirst().dropLast() }
            let items = inner.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            value = .list(items == [""] ? [] : items)
        }
        try apply(name, setting, value, origin: origin)
    }

    // MARK: Applying

    /// Whether `name` is a property passed on as it is: a `kafka.` property for librdkafka,
    /// or a `topic_configs.<role>.` property for the topics Revisit creates.
    private static func isPassThrough(_ name: String) -> Bool {
        name.hasPrefix("kafka.") || topicConfig(name) != nil
    }

    /// The role and property of a `topic_configs.<role>.<property>` name.
    private static func topicConfig(_ name: String) -> (role: TopicRole, property: String)? {
        let parts = name.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == PipelineSettingCatalog.topicConfigsGroup,
              let role = TopicRole(rawValue: String(parts[1])) else { return nil }
        return (role, String(parts[2]))
    }

    /// The setting `name` names, or nil for a property passed on as it is (``isPassThrough(_:)``);
    /// a name that is neither is unknown.
    private static func setting(named name: String, origin: SettingOrigin) throws(PipelineConfigurationError) -> PipelineSetting? {
        if isPassThrough(name) { return nil }
        if name.hasPrefix(PipelineSettingCatalog.topicConfigsGroup + ".") {
            // An unknown role: suggest the nearest one, keeping the property.
            let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
            let role = TopicRole.allCases.map(\.rawValue).min {
                PipelineSettingCatalog.editDistance($0, parts[1]) < PipelineSettingCatalog.editDistance($1, parts[1])
            }!
            throw .unknownSetting(
                name: name, suggestion: ([parts[0], role] + parts.dropFirst(2)).joined(separator: "."), origin: origin)
        }
        guard let setting = PipelineSettingCatalog.byName[name] else {
            throw .unknownSetting(name: name, suggestion: PipelineSettingCatalog.suggestion(for: name), origin: origin)
        }
        return setting
    }

    /// Applies `value` to `setting`, or to the property `name` passed on when `setting` is nil.
    private mutating func apply(
        _ name: String, _ setting: PipelineSetting?, _ value: SettingValue?, origin: SettingOrigin
    ) throws(PipelineConfigurationError) {
        if setting == nil, let (role, property) = Self.topicConfig(name) {
            guard !property.isEmpty, case let .scalar(text)? = value else {
                throw .invalidValue(
                    setting: name, value: value?.description, accepts: "a single topic property value", origin: origin)
            }
            configuration.topicConfigs[role, default: [:]][property] = text
            origins[name] = origin
            return
        }
        guard let setting else {
            let property = String(name.dropFirst("kafka.".count))
            let secret = SecretProperties.isSecret(name)
            guard !property.isEmpty, case let .scalar(text)? = value else {
                throw .invalidValue(
                    setting: name, value: secret ? nil : value?.description,
                    accepts: "a single librdkafka property value", origin: origin)
            }
            configuration.kafka[property] = text
            origins[name] = origin
            return
        }
        guard let value, setting.write(&configuration, value) else {
            throw .invalidValue(setting: name, value: value?.description, accepts: setting.accepts, origin: origin)
        }
        origins[name] = origin
    }

    // MARK: Helpers

    private static func accepts(_ setting: String) -> String {
        PipelineSettingCatalog.byName[setting]?.accepts ?? "a single librdkafka property value"
    }

    private static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private static func origin(_ node: Node, file: String) -> SettingOrigin {
        let mark = node.mark
        return .file(name: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// The argument with the value hidden when it names a secret property.
    static func redacted(_ argument: String) -> String {
        guard let equals = argument.firstIndex(of: "=") else {
            return SecretProperties.mentionsSecret(argument) ? "(hidden)" : argument
        }
        let name = argument[..<equals]
        return SecretProperties.isSecret(String(name)) ? "\(name)=(hidden)" : argument
    }

    private static func syntaxError(_ error: YamlError, file: String) -> PipelineConfigurationError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            // libyaml notices an unclosed construct where the next token fails; the line the
            // construct started on is the one to fix, so the message leads with it.
            guard let context else {
                return .syntax(problem: problem, origin: .file(name: file, line: mark.line, column: mark.column))
            }
            let start = context.mark
            let noticed = start.line == mark.line ? "" : " (noticed on line \(mark.line))"
            return .syntax(
                problem: "\(context.text) \(problem)\(noticed)",
                origin: .file(name: file, line: start.line, column: start.column))
        case let .duplicatedKeysInMapping(duplicates, context):
            return .syntax(
                problem: "duplicate key \(duplicates.joined(separator: ", ")) in a mapping",
                origin: .file(name: file, line: context.mark.line, column: context.mark.column))
        default:
            return .syntax(problem: "\(error)", origin: .file(name: file, line: 1, column: 1))
        }
    }
}
