import CRdKafka
import Logging

/// Produces keyed messages with headers, to a chosen or hashed partition, and surfaces every
/// delivery report as a value.
///
/// Not `Sendable`: one thread owns a producer and calls ``send(_:)``, ``poll(timeoutMilliseconds:)``
/// and ``flush(timeoutMilliseconds:)`` (see `RdKafkaClient` for the threading model).
/// Call ``flush(timeoutMilliseconds:)`` before dropping the last reference; messages still
/// queued when a producer is destroyed are lost.
public final class KafkaProducer {
    private let client: RdKafkaClient
    /// Topic handles by name, in the order first used. A producer writes to a handful of
    /// topics, and the names it is given share storage, so a linear search compares mostly
    /// pointers where a dictionary would hash every name of every message.
    private var topics: [(name: String, handle: OpaquePointer)] = []
    private var nextMessageID: UInt64 = 1

    public let configuration: KafkaProducerConfiguration

    public init(configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "revisit.kafka.producer")) throws(KafkaError) {
        let conf = try configuration.kafka.makeConf(extra: configuration.librdkafkaProperties)
        rd_kafka_conf_set_dr_msg_cb(conf, rdKafkaDelivery)
        self.client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, conf: conf, logger: logger)
        self.configuration = configuration
    }

    deinit {
        for topic in topics { rd_kafka_topic_destroy(topic.handle) }
    }

    // MARK: - Producing

    /// Queues a message for delivery and returns its id, which its ``DeliveryReport`` carries.
    ///
    /// - Throws: ``KafkaError`` of kind ``KafkaError/Kind/queueFull`` when too many messages
    ///   await delivery: poll, then retry (or pause the input). Other errors name the topic.
    @discardableResult
    public func send(_ message: OutgoingMessage) throws(KafkaError) -> UInt64 {
        try withBytes(message.key) { key throws(KafkaError) in
            try withBytes(message.value) { value throws(KafkaError) in
                try send(
                    topic: message.topic, partition: message.partition, key: key, value: value,
                    timestamp: message.timestamp, headerCount: message.headers.count
                ) { headers in
                    for header in message.headers {
                        withBytes(header.value) { headers.add(header.name, $0) }
                    }
                }
            }
        }
    }

    /// Queues a message whose bytes are only borrowed for the call (librdkafka copies them),
    /// so that a loop producing many messages can encode each into one reused buffer.
    /// `addHeaders` adds the message's `headerCount` headers, if any.
    ///
    /// A `nil` key or value is absent (a `nil` value makes a tombstone); an empty buffer is
    /// an empty one.
    @discardableResult
    public func send(
        topic name: String, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        timestamp: Int64? = nil, headerCount: Int = 0, addHeaders: (MessageHeaders) -> Void = { _ in }
    ) throws(KafkaError) -> UInt64 {
        let messageID = nextMessageID
        let topic = try topicHandle(name)
        var headers: OpaquePointer?
        if headerCount > 0, let list = rd_kafka_headers_new(headerCount) {
            addHeaders(MessageHeaders(list: list))
            headers = list
        }
        let error = produce(
            topic: topic, partition: partition ?? RD_KAFKA_PARTITION_UA,
            key: key.map { $0.baseAddress ?? Self.emptyBytes }, keyCount: key?.count ?? 0,
            value: value.map { $0.baseAddress ?? Self.emptyBytes }, valueCount: value?.count ?? 0,
            headers: headers, timestamp: timestamp ?? 0, messageID: messageID)
        if let error {
            if let headers { rd_kafka_headers_destroy(headers) }
            let code = KafkaErrorCode(rd_kafka_error_code(error))
            if code == .queueFull {
                rd_kafka_error_destroy(error)
                throw KafkaError(
                    kind: .queueFull, code: code,
                    reason: "producer queue is full (\(configuration.maxQueuedMessages) messages); poll and retry",
                    topic: name, partition: partition, isRetriable: true)
            }
            throw KafkaError.consuming(error, "produce", topic: name, partition: partition)
        }
        nextMessageID += 1
        return messageID
    }

    /// The id the next message sent will get: every message sent from now on has an id at
    /// least this large.
    public var upcomingMessageID: UInt64 { nextMessageID }

    /// Queues a message like ``send(_:)``, but when the queue is full, serves delivery reports
    /// (appending them to `reports`) until there is room: backpressure for a producing loop
    /// that has nothing better to do while it waits.
    @discardableResult
    public func send(_ message: OutgoingMessage, waitingForRoom reports: inout [DeliveryReport]) throws(KafkaError) -> UInt64 {
        try waitingForRoom(&reports) { () throws(KafkaError) in try send(message) }
    }

    /// Runs `send` (one of the `send` methods) until it finds room in the queue, serving
    /// delivery reports (appended to `reports`) while the queue is full.
    @discardableResult
    public func waitingForRoom(
        _ reports: inout [DeliveryReport], _ send: () throws(KafkaError) -> UInt64
    ) throws(KafkaError) -> UInt64 {
        while true {
            do {
                return try send()
            } catch {
                guard error.kind == .queueFull else { throw error }
                reports += poll(timeoutMilliseconds: 10)
            }
        }
    }

    /// librdkafka treats a nil pointer as "no key/value": an empty one needs a non-nil one.
    private static var emptyBytes: UnsafeRawPointer { UnsafeRawPointer(bitPattern: 1)! }

    private func produce(
        topic: OpaquePointer, partition: Int32, key: UnsafeRawPointer?, keyCount: Int,
        value: UnsafeRawPointer?, valueCount: Int, headers: OpaquePointer?, timestamp: Int64, messageID: UInt64
    ) -> OpaquePointer? {
        withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
            var count = 0
            func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                var field = rd_kafka_vu_t()
                field.vtype = type
                fill(&field)
                fields.initializeElement(at: count, to: field)
                count += 1
            }
            add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
            add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
            add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
            add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(messageID)) }
            if let key { add(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key), size: keyCount) } }
            if let value { add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value), size: valueCount) } }
            if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
            if timestamp != 0 { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
            return rd_kafka_produceva(client.handle, fields.baseAddress, count)
        }
    }

    private func topicHandle(_ name: String) throws(KafkaError) -> OpaquePointer {
        if let known = topics.first(where: { $0.name == name }) { return known.handle }
        guard let created = rd_kafka_topic_new(client.handle, name, nil) else {
            throw KafkaError(kind: .invalidState, code: KafkaErrorCode(rd_kafka_last_error()),
                             reason: "cannot use topic name \"\(name)\": \(KafkaErrorCode(rd_kafka_last_error()).message)",
                             topic: name, isRetriable: false)
        }
        topics.append((name, created))
        return created
    }

    // MARK: - Delivery reports

    /// Serves delivery callbacks for up to `timeoutMilliseconds` and returns the reports that
    /// arrived since the last call, in the order librdkafka reported them.
    public func poll(timeoutMilliseconds: Int32 = 0) -> [DeliveryReport] {
        rd_kafka_poll(client.handle, timeoutMilliseconds)
        return takeReports()
    }

    /// Like ``poll(timeoutMilliseconds:)``, but appends the reports to `reports`, whose
    /// storage a loop can reuse (an empty `reports` swaps storage, copying nothing).
    public func poll(timeoutMilliseconds: Int32 = 0, into reports: inout [DeliveryReport]) {
        rd_kafka_poll(client.handle, timeoutMilliseconds)
        if reports.isEmpty {
            swap(&reports, &client.events.deliveryReports)
        } else {
            reports += client.events.deliveryReports
            client.events.deliveryReports.removeAll(keepingCapacity: true)
        }
    }

    /// Waits until every queued message is delivered or failed, and returns their reports.
    ///
    /// - Throws: ``KafkaError/Kind/timeout`` with the number of messages still queued when the
    ///   deadline passes; reports collected so far stay available to the next poll.
    public func flush(timeoutMilliseconds: Int32) throws(KafkaError) -> [DeliveryReport] {
        let result = rd_kafka_flush(client.handle, timeoutMilliseconds)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(
                kind: .timeout, code: KafkaErrorCode(result),
                reason: "flush: \(queuedMessageCount) messages still undelivered after \(timeoutMilliseconds) ms")
        }
        return takeReports()
    }

    /// Messages and requests not yet acknowledged by the brokers.
    public var queuedMessageCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    /// Client-level errors (for example, all brokers down) seen since the last call.
    public func takeErrors() -> [KafkaError] {
        defer { client.events.errors.removeAll(keepingCapacity: true) }
        return client.events.errors
    }

    /// The error that made this producer unusable (for example, an idempotence violation).
    public func fatalClientError() -> KafkaError? { client.fatalClientError() }

    /// Reads a partition's low and high watermark offsets.
    public func watermarks(of partition: TopicPartition, timeoutMilliseconds: Int32 = 5_000) throws(KafkaError) -> (low: Int64, high: Int64) {
        try client.watermarks(of: partition, timeoutMilliseconds: timeoutMilliseconds)
    }

    private func takeReports() -> [DeliveryReport] {
        guard !client.events.deliveryReports.isEmpty else { return [] }
        defer { client.events.deliveryReports.removeAll(keepingCapacity: true) }
        return client.events.deliveryReports
    }
}

// MARK: - Helpers

/// The headers of one message being sent, filled by the `addHeaders` closure of
/// ``KafkaProducer/send(topic:partition:key:value:timestamp:headerCount:addHeaders:)``.
public struct MessageHeaders {
    fileprivate let list: OpaquePointer

    /// Adds a header; librdkafka copies name and value. A `nil` value is a header without one.
    public func add(_ name: String, _ value: UnsafeRawBufferPointer?) {
        _ = rd_kafka_header_add(list, name, -1, value?.baseAddress, value?.count ?? 0)
    }
}

private func withBytes<R, E: Error>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(E) -> R) throws(E) -> R {
    guard let bytes else { return try body(nil) }
    do {
        return try bytes.withUnsafeBytes { buffer in try body(buffer) }
    } catch let error as E {
        throw error
    } catch {
        fatalError("unreachable: body throws only E")
    }
}

private func rdKafkaDelivery(handle: OpaquePointer?, message: UnsafePointer<rd_kafka_message_t>?, opaque: UnsafeMutableRawPointer?) {
    guard let message, let opaque else { return }
    // The client owns its events for as long as librdkafka can call back: borrowing them
    // spares a retain and a release per message.
    Unmanaged<ClientEvents>.fromOpaque(opaque)._withUnsafeGuaranteedRef { events in
        let record = message.pointee
        let topic = events.topicName(record.rkt)
        events.deliveryReports.append(DeliveryReport(
            messageID: UInt64(UInt(bitPattern: record._private)), topicPartition: TopicPartition(topic, record.partition),
            offset: record.offset, code: KafkaErrorCode(record.err)))
    }
}
