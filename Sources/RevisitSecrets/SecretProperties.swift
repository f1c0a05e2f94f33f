/// The one rule that decides which configuration properties hold secrets, whose values never
/// appear in errors, logs or listings: the Kafka layer applies it to librdkafka properties,
/// the pipeline configuration to its `kafka.` properties and `--set` arguments.
///
/// A property is secret when its name holds one of ``secretWords`` (librdkafka's
/// `sasl.password`, `ssl.key.password`, `ssl.keystore.password`,
/// `sasl.oauthbearer.client.secret`, `sasl.oauthbearer.assertion.private.key.passphrase`, ...),
/// or when it is one of ``secretNames``: private keys given inline, and configuration strings
/// that carry credentials. Certificates and the paths of key files are not secret
/// (`ssl.certificate.pem`, `ssl.ca.pem`, `ssl.key.location`): showing them helps find a
/// misconfiguration and gives nothing away.
public enum SecretProperties {
    /// Words that make any property whose name holds them secret (in any case).
    public static let secretWords = ["password", "secret", "passphrase"]

    /// Properties whose values are secret though their names hold none of ``secretWords``.
    public static let secretNames: Set<String> = [
        // Private keys in PEM, and the key set through `rd_kafka_conf_set_ssl_cert()`.
        "ssl.key.pem",
        "ssl_key",
        "sasl.oauthbearer.assertion.private.key.pem",
        // Free-form name=value pairs, which may hold a principal's credentials or extensions.
        "sasl.oauthbearer.config",
        // Not librdkafka's: the Java clients' SASL login line with its password, which
        // configurations carried over from them may still hold.
        "sasl.jaas.config",
    ]

    /// Whether the property `name` holds a secret.
    ///
    /// Case does not matter, and a group before the property does not change it: the
    /// pipeline file's `kafka.sasl.password` is librdkafka's `sasl.password`.
    public static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if secretWords.contains(where: { lowered.contains($0) }) { return true }
        return secretNames.contains { lowered == $0 || lowered.hasSuffix("." + $0) }
    }

    /// Whether `text` names a secret property anywhere in it: for an argument whose name and
    /// value cannot be told apart, such as `--set kafka.ssl.key.pem` missing its `=`.
    public static func mentionsSecret(_ text: String) -> Bool {
        let lowered = text.lowercased()
        return secretWords.contains { lowered.contains($0) } || secretNames.contains { lowered.contains($0) }
    }
}
