import RevisitCore
import RevisitKafka
import RevisitSecrets
import Testing

/// One rule of secrets, applied the same way by the pipeline configuration and by the Kafka
/// layer, checked on librdkafka's own properties (CONFIGURATION.md).
@Suite struct SecretPropertiesTests {
    /// A property and whether its value is a secret.
    struct Case: Sendable, CustomTestStringConvertible {
        var property: String
        var isSecret: Bool

        var testDescription: String { "\(property) (\(isSecret ? "secret" : "shown"))" }
    }

    static let cases: [Case] = [
        "sasl.password", "ssl.key.password", "ssl.keystore.password", "ssl.key.pem", "ssl_key",
        "sasl.oauthbearer.client.secret", "sasl.oauthbearer.client.credentials.client.secret",
        "sasl.oauthbearer.assertion.private.key.passphrase", "sasl.oauthbearer.assertion.private.key.pem",
        "sasl.oauthbearer.config", "sasl.jaas.config", "SASL.Password",
    ].map { Case(property: $0, isSecret: true)
    } + [
        "bootstrap.servers", "client.id", "security.protocol", "sasl.mechanisms", "sasl.username",
        "ssl.certificate.pem", "ssl.ca.pem", "https.ca.pem", "ssl_certificate", "ssl_ca",
        "ssl.key.location", "ssl.keystore.location", "ssl.certificate.location", "sasl.kerberos.keytab",
        "sasl.oauthbearer.client.id", "sasl.oauthbearer.assertion.private.key.file",
        "sasl.oauthbearer.token.endpoint.url",
    ].map { Case(property: $0, isSecret: false) }

    static let value = "value-7f3a9c"

    @Test(arguments: cases)
    func theRuleNamesLibrdkafkasSecrets(_ test: Case) {
        #expect(SecretProperties.isSecret(test.property) == test.isSecret)
        #expect(SecretProperties.isSecret("kafka." + test.property) == test.isSecret)
    }

    @Test(arguments: cases)
    func thePipelineConfigurationShowsOnlyWhatIsNotSecret(_ test: Case) {
        // A list where one value is expected: the error quotes the value unless it is secret.
        let fromFile = loadError(yaml: "kafka:\n  \(test.property): [\(Self.value)]\n")
        // An override missing its `=`: the error quotes the argument unless it names a secret.
        let fromOverride = loadError(overrides: ["kafka.\(test.property)\(Self.value)"])
        for error in [fromFile, fromOverride] {
            #expect(error != nil)
            #expect(error.map { $0.description.contains(Self.value) } == !test.isSecret, "\(String(describing: error))")
        }
    }

    @Test(arguments: cases)
    func theKafkaLayerRedactsExactlyTheSecrets(_ test: Case) {
        let kafka = KafkaConfiguration(bootstrapServers: ["127.0.0.1:9092"], properties: [test.property: Self.value])
        #expect(KafkaConfiguration.isSecret(test.property) == test.isSecret)
        #expect(kafka.redactedProperties[test.property] == (test.isSecret ? "[redacted]" : Self.value))
    }

    private func loadError(yaml: String? = nil, overrides: [String] = []) -> PipelineConfigurationError? {
        do {
            _ = try PipelineConfigurationLoader().load(yaml: yaml, fileName: "test.yaml", overrides: overrides)
            return nil
        } catch {
            return error
        }
    }
}
