import Foundation

/// A setting's value as written in a pipeline file or a `--set` argument: one scalar, or a
/// list of scalars (`streak_milestones`, `risk_bands`).
enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case scalar(String)
    case list([String])

    var description: String {
        switch self {
        case let .scalar(text): text
        case let .list(items): "[" + items.joined(separator: ", ") + "]"
        }
    }
}

/// One named setting of SPEC section 9: how to read it from text, what it accepts, and how to
/// write it back (so a configuration built in code is checked by the same rules).
struct PipelineSetting: Sendable {
    typealias Path<Value> = WritableKeyPath<PipelineConfiguration, Value> & Sendable

    /// The SPEC name, dotted inside groups (`churn_model.alpha`).
    let name: String
    /// What the setting accepts, for error messages.
    let accepts: String
    /// Whether the value is a list.
    let isList: Bool
    let read: @Sendable (PipelineConfiguration) -> SettingValue
    /// Stores the value; false when it is not acceptable (the configuration is then unchanged).
    let write: @Sendable (inout PipelineConfiguration, SettingValue) -> Bool

    // MARK: - Kinds of setting

    static func duration(_ name: String, _ path: Path<TimeSpan>, allowZero: Bool) -> PipelineSetting {
        let floor = allowZero ? "0s or more" : "more than 0"
        return scalar(
            name, accepts: "a duration \(floor), a whole number with a unit ms, s, m, h or d (e.g. 250ms, 10s, 30m, 7d)",
            path, render: { $0.description },
            parse: { text in TimeSpan(parsing: text).flatMap { allowZero || $0.milliseconds > 0 ? $0 : nil } }
        )
    }

    static func days(_ name: String, _ path: Path<Int>) -> PipelineSetting {
        scalar(name, accepts: "a whole number of days, 1 or more (e.g. 30)", path, render: { "\($0)" },
               parse: { text in Int(text).flatMap { $0 >= 1 && $0 <= 36_500 ? $0 : nil } })
    }

    static func count(_ name: String, _ path: Path<Int>, accepts: String, range: ClosedRange<Int>) -> PipelineSetting {
        scalar(name, accepts: accepts, path, render: { "\($0)" },
               parse: { text in Int(text).flatMap { range.contains($0) ? $0 : nil } })
    }

    static func probability(_ name: String, _ path: Path<Double>) -> PipelineSetting {
        scalar(name, accepts: "a number between 0 and 1, both excluded (e.g. 0.7)", path, render: { "\($0)" },
               parse: { text in Double(text).flatMap { $0 > 0 && $0 < 1 ? $0 : nil } })
    }

    static func positive(_ name: String, _ path: Path<Double>) -> PipelineSetting {
        scalar(name, accepts: "a number greater than 0 (e.g. 2.5)", path, render: { "\($0)" },
               parse: { text in Double(text).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } })
    }

    static func flag(_ name: String, _ path: Path<Bool>) -> PipelineSetting {
        scalar(name, accepts: "true or false", path, render: { "\($0)" },
               parse: { text in ["true": true, "false": false][text.lowercased()] })
    }

    static func zone(_ name: String, _ path: Path<String>) -> PipelineSetting {
        scalar(name, accepts: "an IANA time zone name (e.g. UTC, Europe/Paris, Asia/Shanghai)", path, render: { $0 },
               parse: { text in ZoneName.isValid(text) ? text : nil })
    }

    static func kafkaName(_ name: String, _ path: Path<String>, what: String) -> PipelineSetting {
        scalar(name, accepts: "\(what): 1 to 249 letters, digits, '.', '_' or '-'", path, render: { $0 },
               parse: { text in isKafkaName(text) ? text : nil })
    }

    static func milestones(_ name: String, _ path: Path<[Int]>) -> PipelineSetting {
        list(name, accepts: "a list of whole numbers of days, each 1 or more, strictly ascending (e.g. [3, 5, 7])",
             path, render: { "\($0)" }, parse: { Int($0) },
             valid: { $0.allSatisfy { $0 >= 1 } && isAscending($0) })
    }

    static func bands(_ name: String, _ path: Path<[Double]>) -> PipelineSetting {
        list(name, accepts: "a list of numbers between 0 and 1 (excluded), strictly ascending (e.g. [0.3, 0.7])",
             path, render: { "\($0)" }, parse: { Double($0) },
             valid: { $0.allSatisfy { $0 > 0 && $0 < 1 } && isAscending($0) })
    }

    /// `all`, or a list of member names (`[event_id, type, ts]`; `[]` keeps none).
    static func deadLetterFields(_ name: String, _ path: Path<DeadLetterFields>) -> PipelineSetting {
        PipelineSetting(
            name: name,
            accepts: "all (the original message), or a list of the event's top-level field names to keep, "
                + "each 1 to 128 bytes (e.g. [event_id, type, ts]; [] keeps none)",
            isList: true,
            read: { configuration in
                switch configuration[keyPath: path] {
                case .all: .scalar(DeadLetterFields.allName)
                case .only(let names): .list(names)
                }
            },
            write: { configuration, value in
                let names: [String]
                switch value {
                case .scalar(let text): names = [text]
                case .list(let items): names = items
                }
                if names == [DeadLetterFields.allName] {
                    configuration[keyPath: path] = .all
                    return true
                }
                guard names.allSatisfy(DeadLetterFields.isFieldName) else { return false }
                configuration[keyPath: path] = .only(names)
                return true
            }
        )
    }

    // MARK: - Building blocks

    private static func scalar<Value: Sendable>(
        _ name: String, accepts: String, _ path: Path<Value>,
        render: @escaping @Sendable (Value) -> String,
        parse: @escaping @Sendable (String) -> Value?
    ) -> PipelineSetting {
        PipelineSetting(
            name: name, accepts: accepts, isList: false,
            read: { .scalar(render($0[keyPath: path])) },
            write: { configuration, value in
                guard case let .scalar(text) = value, let parsed = parse(text) else { return false }
                configuration[keyPath: path] = parsed
                return true
            }
        )
    }

    private static func list<Element: Sendable>(
        _ name: String, accepts: String, _ path: Path<[Element]>,
        render: @escaping @Sendable (Element) -> String,
        parse: @escaping @Sendable (String) -> Element?,
        valid: @escaping @Sendable ([Element]) -> Bool
    ) -> PipelineSetting {
        PipelineSetting(
            name: name, accepts: accepts, isList: true,
            read: { .list($0[keyPath: path].map(render)) },
            write: { configuration, value in
                guard case let .list(items) = value else { return false }
                var parsed: [Element] = []
                for item in items {
                    guard let element = parse(item) else { return false }
                    parsed.append(element)
                }
                guard valid(parsed) else { return false }
                configuration[keyPath: path] = parsed
                return true
            }
        )
    }

    private static func isAscending<T: Comparable>(_ values: [T]) -> Bool {
        zip(values, values.dropFirst()).allSatisfy { $0 < $1 }
    }

    /// Kafka's rule for topic names and group ids as Revisit uses them.
    static func isKafkaName(_ text: String) -> Bool {
        guard (1...249).contains(text.utf8.count), text != ".", text != ".." else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-")
        }
    }
}
