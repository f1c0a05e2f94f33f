import CRdKafka
import RevisitSecrets

/// Settings shared by every Kafka client: where the cluster is and any librdkafka property.
///
/// Any property of librdkafka's CONFIGURATION.md can be passed through ``properties``
/// (`security.protocol`, `sasl.mechanisms`, `ssl.ca.location`, ...), so a client reaches a
/// secured cluster with no code change. Properties in ``properties`` are applied last and so
/// win over the typed fields. Values of secret properties (``isSecret(_:)``) never appear in
/// errors or logs.
public struct KafkaConfiguration: Sendable, Equatable {
    /// `host:port` of one or more brokers to bootstrap from.
    public var bootstrapServers: [String]
    /// `client.id`, visible in broker logs and metrics.
    public var clientID: String
    /// librdkafka properties, applied after the typed fields.
    public var properties: [String: String]

    public init(bootstrapServers: [String], clientID: String = "revisit", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// Parses a comma-separated `host:port,host:port` list, as `--brokers` takes it.
    public init(brokers: String, clientID: String = "revisit", properties: [String: String] = [:]) {
        let servers = brokers.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        self.init(bootstrapServers: servers, clientID: clientID, properties: properties)
    }

    /// Whether a property holds a secret whose value must never be shown: the rule the
    /// pipeline configuration applies too (``SecretProperties``).
    public static func isSecret(_ name: String) -> Bool {
        SecretProperties.isSecret(name)
    }

    /// The properties with secret values replaced, for logs.
    public var redactedProperties: [String: String] {
        properties.reduce(into: [:]) { result, entry in
            result[entry.key] = Self.isSecret(entry.key) ? "[redacted]" : entry.value
        }
    }
}

// MARK: - Building librdkafka configurations

extension KafkaConfiguration {
    /// Makes an `rd_kafka_conf_t` with the typed settings, then `extra` (the client kind's own
    /// defaults), then ``properties``. The caller owns the result (it passes to `rd_kafka_new`).
    func makeConf(extra: [(String, String)]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(kind: .configuration, reason: "rd_kafka_conf_new failed")
        }
        do {
            try Self.set("bootstrap.servers", bootstrapServers.joined(separator: ","), on: conf)
            try Self.set("client.id", clientID, on: conf)
            for (name, value) in extra { try Self.set(name, value, on: conf) }
            for name in properties.keys.sorted() { try Self.set(name, properties[name]!, on: conf) }
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        return conf
    }

    /// Sets one property, turning librdkafka's refusal into a ``KafkaError`` with its own words.
    static func set(_ name: String, _ value: String, on conf: OpaquePointer) throws(KafkaError) {
        var errorText = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        var message = String(errorBuffer: errorText)
        if isSecret(name), !value.isEmpty {
            message = message.replacingAll(value, with: "[redacted]")
        }
        throw KafkaError(
            kind: .configuration,
            reason: "property \"\(name)\": \(message)",
            isRetriable: false, isFatal: true)
    }
}

// MARK: - Small string helpers (no Foundation in this module's hot paths)

extension Substring {
    func trimmingWhitespace() -> String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

extension String {
    /// The text librdkafka wrote into a zero-terminated error buffer.
    init(errorBuffer: [CChar]) {
        self.init(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
