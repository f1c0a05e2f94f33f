import CRdKafka

/// One config of a topic as the cluster describes it (DescribeConfigs), for example
/// `retention.ms = 604800000` from the broker's defaults.
public struct TopicConfigEntry: Sendable, Equatable {
    /// Where the value comes from, in Kafka's terms.
    public enum Source: Sendable, Equatable {
        /// Set on the topic itself (at creation or by an alter).
        case topic
        /// A broker setting changed at run time, for one broker or for all.
        case dynamicBroker
        /// The broker's configuration file.
        case staticBroker
        /// Kafka's built-in default.
        case `default`
        /// The broker did not say.
        case unknown

        init(_ source: rd_kafka_ConfigSource_t) {
            switch source {
            case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_TOPIC_CONFIG: self = .topic
            case RD_KAFKA_CONFIG_SOURCE_DYNAMIC_BROKER_CONFIG, RD_KAFKA_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER_CONFIG:
                self = .dynamicBroker
            case RD_KAFKA_CONFIG_SOURCE_STATIC_BROKER_CONFIG: self = .staticBroker
            case RD_KAFKA_CONFIG_SOURCE_DEFAULT_CONFIG: self = .default
            default: self = .unknown
            }
        }
    }

    public var name: String
    /// The value; nil when the broker withholds it (a sensitive config) or has none.
    public var value: String?
    public var source: Source
    /// Whether the value is the cluster's default rather than set for this topic.
    public var isDefault: Bool
    public var isReadOnly: Bool
    public var isSensitive: Bool

    public init(
        name: String, value: String?, source: Source, isDefault: Bool, isReadOnly: Bool = false, isSensitive: Bool = false
    ) {
        self.name = name
        self.value = value
        self.source = source
        self.isDefault = isDefault
        self.isReadOnly = isReadOnly
        self.isSensitive = isSensitive
    }
}
