import CRdKafka

// MARK: - Topic configs

extension KafkaAdmin {
    /// The configs of each topic, as the cluster describes them (DescribeConfigs), by topic
    /// and config name: the values set on the topic and the defaults it inherits.
    ///
    /// The request goes to the broker that answers metadata, not to the controller: any broker
    /// describes a topic, and a cluster without the request (librdkafka's mock cluster, which
    /// also names a controller that does not exist) then answers at once with
    /// ``KafkaErrorCode/unsupportedFeature`` instead of letting the request time out.
    ///
    /// - Throws: ``KafkaError/Kind/timeout`` when the cluster does not answer in time,
    ///   ``KafkaError/Kind/admin`` naming the topic when the cluster refuses to describe it
    ///   (for example, an unknown topic), or with ``KafkaErrorCode/unsupportedFeature`` when
    ///   it cannot describe configs at all.
    public func describeTopicConfigs(
        _ topics: [String], timeoutMilliseconds: Int32 = 10_000
    ) throws(KafkaError) -> [String: [String: TopicConfigEntry]] {
        guard !topics.isEmpty else { return [:] }
        let broker = try client.answeringBrokerID(timeoutMilliseconds: timeoutMilliseconds)
        var resources: [OpaquePointer?] = topics.map { rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, $0) }
        defer { for resource in resources { rd_kafka_ConfigResource_destroy(resource) } }
        let event = try request("DescribeConfigs", RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMilliseconds: timeoutMilliseconds) {
            options, queue in
            var errorText = [CChar](repeating: 0, count: 256)
            _ = rd_kafka_AdminOptions_set_broker(options, broker, &errorText, errorText.count)
            rd_kafka_DescribeConfigs(client.handle, &resources, resources.count, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_DescribeConfigs_result(event),
              let described = rd_kafka_DescribeConfigs_result_resources(result, &count) else { return [:] }
        var outcome: [String: [String: TopicConfigEntry]] = [:]
        for index in 0..<count {
            let resource = described[index]
            let topic = String(cString: rd_kafka_ConfigResource_name(resource))
            let code = KafkaErrorCode(rd_kafka_ConfigResource_error(resource))
            guard code == .noError else {
                let text = rd_kafka_ConfigResource_error_string(resource).map { String(cString: $0) } ?? code.message
                throw KafkaError(kind: code == .timedOut ? .timeout : .admin, code: code,
                                 reason: "describe topic configs: \(text)", topic: topic)
            }
            var entryCount = 0
            var entries: [String: TopicConfigEntry] = [:]
            if let configs = rd_kafka_ConfigResource_configs(resource, &entryCount) {
                for entryIndex in 0..<entryCount {
                    guard let entry = configs[entryIndex] else { continue }
                    let name = String(cString: rd_kafka_ConfigEntry_name(entry))
                    entries[name] = TopicConfigEntry(
                        name: name, value: rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) },
                        source: .init(rd_kafka_ConfigEntry_source(entry)),
                        isDefault: rd_kafka_ConfigEntry_is_default(entry) != 0,
                        isReadOnly: rd_kafka_ConfigEntry_is_read_only(entry) != 0,
                        isSensitive: rd_kafka_ConfigEntry_is_sensitive(entry) != 0)
                }
            }
            outcome[topic] = entries
        }
        return outcome
    }
}
