import CRdKafka
import Logging

/// librdkafka's mock Kafka cluster, hosted in this process: real Kafka protocol on loopback
/// ports, with brokers that can be taken down and requests that can be made to fail.
///
/// It keeps at most 5 MiB and 100,000 batches per partition, does not compact, answers
/// offsets-for-times with -1 and cannot create topics through the admin API; create them
/// with ``createTopic(_:partitions:replicationFactor:)``.
///
/// Not `Sendable`: create, use and drop it on one thread. The cluster runs on its own
/// librdkafka thread until this object is released.
public final class MockCluster {
    private let client: RdKafkaClient
    private let cluster: OpaquePointer

    /// `host:port,...` of the cluster's brokers.
    public let bootstrapServers: String
    public let brokerCount: Int

    public init(brokerCount: Int = 1, logger: Logger = Logger(label: "revisit.kafka.mock")) throws(KafkaError) {
        let conf = try KafkaConfiguration(bootstrapServers: [], clientID: "revisit-mock-cluster")
            .makeConf(extra: [("log_level", "3")])
        self.client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, conf: conf, logger: logger)
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokerCount)) else {
            throw KafkaError(kind: .clientCreation, reason: "could not start a mock cluster with \(brokerCount) brokers",
                             isRetriable: false, isFatal: true)
        }
        self.cluster = cluster
        self.brokerCount = brokerCount
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates a topic (replication factor at most the broker count).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let result = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(replicationFactor, brokerCount)))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "create mock topic", topic: name) }
    }

    /// Takes broker `id` (1-based) off the network: its connections close and it refuses new ones.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        let result = rd_kafka_mock_broker_set_down(cluster, id)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "take mock broker \(id) down") }
    }

    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        let result = rd_kafka_mock_broker_set_up(cluster, id)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "bring mock broker \(id) up") }
    }

    /// Makes the next requests of kind `api` fail with `errors`, one error per request.
    public func failNextRequests(_ api: KafkaAPIKey, with errors: [KafkaErrorCode]) {
        var codes = errors.map(\.cValue)
        rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, codes.count, &codes)
    }

    /// Makes the next requests of kind `api` that broker `id` receives fail with `errors`,
    /// one error per request (before any error of ``failNextRequests(_:with:)``).
    public func failNextRequests(_ api: KafkaAPIKey, on id: Int32, with errors: [KafkaErrorCode]) throws(KafkaError) {
        for error in errors {
            let result = revisit_mock_broker_push_request_error(cluster, id, api.rawValue, error.cValue)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "push an error to mock broker \(id)") }
        }
    }

    /// Moves the leadership of a partition to broker `id`.
    public func setPartitionLeader(_ topic: String, partition: Int32, broker id: Int32) throws(KafkaError) {
        let result = rd_kafka_mock_partition_set_leader(cluster, topic, partition, id)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "move leader", topic: topic, partition: partition) }
    }
}

/// Kafka protocol request kinds, for injecting errors into a ``MockCluster``.
public enum KafkaAPIKey: Int16, Sendable {
    case produce = 0
    case fetch = 1
    case listOffsets = 2
    case metadata = 3
    case offsetCommit = 8
    case offsetFetch = 9
    case findCoordinator = 10
    case joinGroup = 11
    case heartbeat = 12
    case syncGroup = 14
    case initProducerID = 22
}
