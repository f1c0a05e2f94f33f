import CRdKafka
import Logging

/// Reads messages in batches, as a member of a consumer group (``subscribe(_:)``) or from
/// partitions the caller picks (``assign(_:)``, for replays).
///
/// Rebalances come back from ``poll(maxMessages:timeoutMilliseconds:)`` as values before any
/// message of the new assignment. A revocation is released to the group only at the next
/// poll, so the caller can finish, flush and commit the partitions it is losing first: a task
/// that loses a partition stops writing before it lets go.
///
/// Not `Sendable`: one thread owns a consumer and makes every call on it (see `RdKafkaClient`).
public final class KafkaConsumer {
    private let client: RdKafkaClient
    private let queue: OpaquePointer
    private let usesGroup: Bool
    private var batchBuffer: [UnsafeMutablePointer<rd_kafka_message_t>?]
    /// Partitions whose revocation the caller has been told about and that are released at
    /// the next poll; their messages are dropped until then.
    private var releasing: [TopicPartition] = []
    private var dropping: Set<TopicPartition> = []
    /// Per partition, the timestamp before which messages are skipped (offsets-for-times fallback).
    private var timestampFloors: [TopicPartition: Int64] = [:]
    private var closed = false
    private let fetcherWakeup: FetcherWakeup

    public let configuration: KafkaConsumerConfiguration

    public init(configuration: KafkaConsumerConfiguration, logger: Logger = Logger(label: "revisit.kafka.consumer")) throws(KafkaError) {
        var extra = configuration.librdkafkaProperties
        if configuration.groupID == nil {
            // librdkafka needs a group id to accept an assignment; without subscribe() it joins
            // no group, and this consumer never commits.
            extra.append(("group.id", "\(configuration.kafka.clientID).unassigned"))
        }
        let conf = try configuration.kafka.makeConf(extra: extra)
        rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalance)
        let client = try RdKafkaClient(type: RD_KAFKA_CONSUMER, conf: conf, logger: logger)
        rd_kafka_poll_set_consumer(client.handle)
        let queue = rd_kafka_queue_get_consumer(client.handle)!
        client.events.assignsFromLogStart = configuration.assignsFromLogStart
        self.client = client
        self.queue = queue
        self.usesGroup = configuration.groupID != nil
        self.configuration = configuration
        self.batchBuffer = []
        self.fetcherWakeup = FetcherWakeup(
            client: client.handle, queue: queue, lowWater: configuration.effectivePrefetchMessages / 2)
    }

    /// Asynchronous commits not sent because this member was rejoining its group.
    public var commitsDeferredWhileJoining: Int { client.events.groupJoin.deferredCommits }

    /// Requests sent so far to restart librdkafka's fetching (see ``FetcherWakeup``).
    var fetcherWakeupCount: Int { fetcherWakeup.wakeupCount }

    /// Rounds of those requests, and the fillings of the queue that allowed them.
    var fetcherWakeupRounds: (rounds: Int, fillings: Int) { (fetcherWakeup.roundCount, fetcherWakeup.fillCount) }

    deinit {
        do { try close() } catch { client.events.logger.warning("closing consumer: \(error)") }
        rd_kafka_queue_destroy(queue)
    }

    // MARK: - Assignment

    /// Joins the group and subscribes to `topics`; partitions arrive as ``RebalanceEvent/assigned(_:)``.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        guard usesGroup else {
            throw KafkaError(kind: .invalidState, reason: "subscribe needs a group id; use assign() without one")
        }
        let list = CPartitionList(topics.map { TopicPartition($0, RD_KAFKA_PARTITION_UA) })
        let result = rd_kafka_subscribe(client.handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "subscribe to \(topics)") }
    }

    /// Reads exactly these partitions from these offsets, outside any group.
    public func assign(_ positions: [TopicPartitionOffset]) throws(KafkaError) {
        let list = CPartitionList(positions)
        if let error = rd_kafka_incremental_assign(client.handle, list.pointer) {
            throw .consuming(error, "assign \(positions)")
        }
    }

    /// Reads these partitions from the first message whose timestamp is at or after
    /// `timestamp` (epoch ms), outside any group. See ``resolveTimestamp(_:in:timeoutMilliseconds:)``.
    public func assign(_ partitions: [TopicPartition], fromTimestamp timestamp: Int64, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        try assign(resolveTimestamp(timestamp, in: partitions, timeoutMilliseconds: timeoutMilliseconds))
    }

    /// The partitions this consumer currently reads.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let result = rd_kafka_assignment(client.handle, &list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw .broker(result, "read assignment") }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return CPartitionList.elements(of: list).map(\.topicPartition).sorted()
    }

    // MARK: - Polling

    /// Waits up to `timeoutMilliseconds` for messages and returns at most `maxMessages`, with
    /// any rebalance that happened first.
    ///
    /// - Throws: only a fatal error of the client; passing errors (a broker down) come back in
    ///   ``ConsumerBatch/errors`` while librdkafka reconnects on its own.
    public func poll(maxMessages: Int = 10_000, timeoutMilliseconds: Int32 = 100) throws(KafkaError) -> ConsumerBatch {
        var batch = ConsumerBatch()
        try poll(into: &batch, maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds)
        return batch
    }

    /// Like ``poll(maxMessages:timeoutMilliseconds:)``, but refills `batch` in place, keeping
    /// its arrays' capacity: a consume loop that reuses one batch allocates no batch storage.
    public func poll(into batch: inout ConsumerBatch, maxMessages: Int = 10_000, timeoutMilliseconds: Int32 = 100) throws(KafkaError) {
        try receive(into: &batch, maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds)
        batch.messages.reserveCapacity(borrowed.count)
        for message in borrowed {
            if let consumed = convert(message) { batch.messages.append(consumed) }
        }
        releaseBorrowed()
    }

    /// Like ``poll(into:maxMessages:timeoutMilliseconds:)``, but keeps the messages in
    /// librdkafka's buffers instead of copying them into `batch`: handle `batch.rebalances`
    /// first, then read the messages with ``forEachBorrowedMessage(_:)``. They stay valid
    /// until the next poll or ``close()``.
    public func pollBorrowing(into batch: inout ConsumerBatch, maxMessages: Int = 10_000, timeoutMilliseconds: Int32 = 100) throws(KafkaError) {
        try receive(into: &batch, maxMessages: maxMessages, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Calls `body` with each message of the last ``pollBorrowing(into:maxMessages:timeoutMilliseconds:)``,
    /// in order; a message's bytes are valid only inside `body`.
    public func forEachBorrowedMessage(_ body: (BorrowedMessage) -> Void) {
        // Read once: the loop runs per message, and a class's properties are checked for
        // exclusive access at every read.
        let messages = borrowed
        let filtering = !dropping.isEmpty || !timestampFloors.isEmpty
        var topic: (handle: OpaquePointer, name: String)?
        for pointer in messages {
            let record = pointer.pointee
            guard let rkt = record.rkt else { continue }
            if topic?.handle != rkt { topic = (rkt, client.events.topicName(rkt)) }
            let topicPartition = TopicPartition(topic!.name, record.partition)
            if filtering {
                if dropping.contains(topicPartition) { continue }
                guard passesTimestampFloor(pointer, topicPartition) else { continue }
            }
            body(BorrowedMessage(
                topicPartition: topicPartition, offset: record.offset,
                key: record.key.map { UnsafeRawBufferPointer(start: $0, count: record.key_len) },
                value: UnsafeRawBufferPointer(start: record.payload, count: record.payload == nil ? 0 : record.len)))
        }
    }

    /// Messages received and not yet released (destroyed at the next poll).
    private var borrowed: [UnsafeMutablePointer<rd_kafka_message_t>] = []

    private func releaseBorrowed() {
        for message in borrowed { rd_kafka_message_destroy(message) }
        borrowed.removeAll(keepingCapacity: true)
    }

    /// Fills `batch`'s rebalances and errors and ``borrowed`` with the messages received.
    private func receive(into batch: inout ConsumerBatch, maxMessages: Int, timeoutMilliseconds: Int32) throws(KafkaError) {
        releaseBorrowed()
        batch.rebalances.removeAll(keepingCapacity: true)
        batch.messages.removeAll(keepingCapacity: true)
        batch.errors.removeAll(keepingCapacity: true)
        try releaseRevokedPartitions()
        if batchBuffer.count < maxMessages {
            batchBuffer = Array(repeating: nil, count: maxMessages)
        }
        let received = batchBuffer.withUnsafeMutableBufferPointer { buffer -> Int in
            // Take what is ready without waiting. Only when nothing is, wait for the first
            // message, then take what came with it: a batch call that waits for a full batch
            // is woken by every arriving message and measured 30% slower.
            var count = rd_kafka_consume_batch_queue(queue, 0, buffer.baseAddress, maxMessages)
            if count == 0, timeoutMilliseconds != 0 {
                count = rd_kafka_consume_batch_queue(queue, timeoutMilliseconds, buffer.baseAddress, 1)
                if count == 1, maxMessages > 1 {
                    count += max(0, rd_kafka_consume_batch_queue(queue, 0, buffer.baseAddress! + 1, maxMessages - 1))
                }
            }
            return count
        }
        batch.rebalances += takeRebalances()
        for index in 0..<max(received, 0) {
            guard let message = batchBuffer[index] else { continue }
            let error = message.pointee.err
            if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                borrowed.append(message)
                continue
            }
            if error != RD_KAFKA_RESP_ERR__PARTITION_EOF { batch.errors.append(consumerError(message.pointee)) }
            rd_kafka_message_destroy(message)
        }
        batch.errors += client.events.errors
        client.events.errors.removeAll(keepingCapacity: true)
        if let fatal = client.fatalClientError() { throw fatal }
    }

    /// Offsets-for-times fallback: skips a partition's messages until the first one at or
    /// after its floor, then delivers everything, as a broker-resolved start offset would.
    private func passesTimestampFloor(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>, _ topicPartition: TopicPartition) -> Bool {
        guard !timestampFloors.isEmpty, let floor = timestampFloors[topicPartition] else { return true }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        if rd_kafka_message_timestamp(pointer, &timestampType) < floor { return false }
        timestampFloors[topicPartition] = nil
        return true
    }

    private func convert(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>) -> ConsumedMessage? {
        let record = pointer.pointee
        guard record.err == RD_KAFKA_RESP_ERR_NO_ERROR, let rkt = record.rkt else { return nil }
        let topicPartition = TopicPartition(client.events.topicName(rkt), record.partition)
        if !dropping.isEmpty, dropping.contains(topicPartition) { return nil }
        guard passesTimestampFloor(pointer, topicPartition) else { return nil }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        let key = record.key.map { Array(UnsafeRawBufferPointer(start: $0, count: record.key_len)) }
        let value = record.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: record.len)) } ?? []
        return ConsumedMessage(
            topicPartition: topicPartition, offset: record.offset,
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            key: key, value: value, headers: Self.headers(of: pointer))
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    private func consumerError(_ record: rd_kafka_message_t) -> KafkaError {
        let topic = record.rkt.map { client.events.topicName($0) }
        let code = KafkaErrorCode(record.err)
        var reason = code.message
        if let payload = record.payload {
            reason = String(decoding: UnsafeRawBufferPointer(start: payload, count: record.len), as: UTF8.self)
        }
        return KafkaError(kind: .broker, code: code, reason: "consume: \(reason)", topic: topic,
                          partition: record.partition >= 0 ? record.partition : nil,
                          offset: record.offset >= 0 ? record.offset : nil)
    }

    // MARK: - Rebalances

    private func takeRebalances() -> [RebalanceEvent] {
        guard !client.events.rebalances.isEmpty else { return [] }
        let events = client.events.rebalances
        client.events.rebalances.removeAll()
        for event in events {
            switch event {
            case .assigned(let partitions):
                for partition in partitions { dropping.remove(partition) }
            case .revoked(let partitions, _):
                releasing += partitions
                dropping.formUnion(partitions)
            }
        }
        return events
    }

    /// Gives the partitions revoked at the previous poll back to the group.
    private func releaseRevokedPartitions() throws(KafkaError) {
        guard !releasing.isEmpty else {
            // Messages fetched before a release carry an outdated version and librdkafka purges
            // them; from the second poll after it, nothing of those partitions can arrive.
            dropping.removeAll()
            return
        }
        let partitions = releasing
        releasing.removeAll()
        try Self.release(partitions, handle: client.handle)
    }

    static func release(_ partitions: [TopicPartition], handle: OpaquePointer) throws(KafkaError) {
        if String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE" {
            let list = CPartitionList(partitions)
            if let error = rd_kafka_incremental_unassign(handle, list.pointer) {
                throw .consuming(error, "release revoked partitions \(partitions)")
            }
        } else {
            let result = rd_kafka_assign(handle, nil)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "release revoked partitions") }
        }
    }

    // MARK: - Offsets

    /// Commits the offset of the next message to read for each partition; synchronously
    /// (waiting for the coordinator's answer) unless `waiting` is false, when the commit is
    /// only sent and its outcome is not reported (enough for offsets that serve lag
    /// monitoring, and it cannot stall the caller while the group rebalances). While this
    /// member rejoins its group an asynchronous commit is not sent at all: answered with the
    /// generation it would carry, it would cost every partition (see ``GroupJoinWatch``); the
    /// caller's next commit covers it.
    public func commit(_ offsets: [TopicPartitionOffset], waiting: Bool = true) throws(KafkaError) {
        guard usesGroup else { throw KafkaError(kind: .invalidState, reason: "commit needs a group id") }
        guard !offsets.isEmpty else { return }
        if !waiting, client.events.groupJoin.isJoining {
            client.events.groupJoin.noteDeferredCommit()
            return
        }
        let list = CPartitionList(offsets)
        let result = rd_kafka_commit(client.handle, list.pointer, waiting ? 0 : 1)
        guard waiting else {
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "commit \(offsets)") }
            return
        }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "commit \(offsets)") }
        if let failed = list.elements.first(where: { $0.error != .noError }) {
            throw KafkaError(kind: .broker, code: failed.error, reason: "commit: \(failed.error.message)",
                             topic: failed.topicPartition.topic, partition: failed.topicPartition.partition,
                             offset: failed.offset)
        }
    }

    /// The group's committed offsets (`nil` where nothing was committed yet).
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [TopicPartition: Int64?] {
        let list = CPartitionList(partitions)
        let result = rd_kafka_committed(client.handle, list.pointer, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "read committed offsets") }
        return Dictionary(uniqueKeysWithValues: list.elements.map { ($0.topicPartition, $0.offset >= 0 ? $0.offset : nil) })
    }

    /// Moves the read position of assigned partitions.
    public func seek(_ positions: [TopicPartitionOffset], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        let list = CPartitionList(positions)
        if let error = rd_kafka_seek_partitions(client.handle, list.pointer, timeoutMilliseconds) {
            throw .consuming(error, "seek \(positions)")
        }
        if let failed = list.elements.first(where: { $0.error != .noError }) {
            throw KafkaError(kind: .broker, code: failed.error, reason: "seek: \(failed.error.message)",
                             topic: failed.topicPartition.topic, partition: failed.topicPartition.partition)
        }
    }

    /// Moves assigned partitions to the first message at or after `timestamp` (epoch ms).
    public func seek(_ partitions: [TopicPartition], toTimestamp timestamp: Int64, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        try seek(resolveTimestamp(timestamp, in: partitions, timeoutMilliseconds: timeoutMilliseconds),
                 timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Start positions for `timestamp`: the broker's offsets-for-times answer where it has one;
    /// where it answers -1 (no such message, or a broker that cannot tell, like the mock
    /// cluster), the earliest offset, with messages older than `timestamp` skipped until the
    /// first one at or after it.
    func resolveTimestamp(_ timestamp: Int64, in partitions: [TopicPartition], timeoutMilliseconds: Int32) throws(KafkaError) -> [TopicPartitionOffset] {
        let answers = try offsets(forTimestamp: timestamp, in: partitions, timeoutMilliseconds: timeoutMilliseconds)
        return partitions.map { partition in
            if let offset = answers[partition] ?? nil {
                timestampFloors[partition] = nil
                return TopicPartitionOffset(partition, offset: offset)
            }
            timestampFloors[partition] = timestamp
            return TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)
        }
    }

    /// The broker's offsets-for-times answer per partition: the earliest offset whose timestamp
    /// is at or after `timestamp`, or `nil` where the broker answered -1.
    public func offsets(forTimestamp timestamp: Int64, in partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [TopicPartition: Int64?] {
        let list = CPartitionList(partitions.map { TopicPartitionOffset($0, offset: timestamp) })
        let result = rd_kafka_offsets_for_times(client.handle, list.pointer, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "offsets for times") }
        return Dictionary(uniqueKeysWithValues: list.elements.map { ($0.topicPartition, $0.offset >= 0 ? $0.offset : nil) })
    }

    /// A partition's low and high watermark offsets, asked of its leader.
    public func watermarks(of partition: TopicPartition, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> (low: Int64, high: Int64) {
        try client.watermarks(of: partition, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// A partition's watermarks as the last fetch response reported them, without asking the
    /// broker: cheap enough for a lag check per poll. `nil` until a fetch has answered.
    public func cachedWatermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        RdKafkaClient.cachedWatermarks(handle: client.handle, of: partition)
    }

    /// Every topic in the cluster with its partition count.
    public func topicMetadata(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [TopicMetadata] {
        try client.topicMetadata(timeoutMilliseconds: timeoutMilliseconds)
    }

    // MARK: - Flow control

    /// Stops fetching these partitions until ``resume(_:)``; the assignment is kept.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = CPartitionList(partitions)
        let result = rd_kafka_pause_partitions(client.handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "pause \(partitions)") }
    }

    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = CPartitionList(partitions)
        let result = rd_kafka_resume_partitions(client.handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "resume \(partitions)") }
    }

    /// Leaves the group (its partitions move to the other members at once) and stops fetching.
    /// Make the work of every assigned partition durable and commit before calling this.
    public func close() throws(KafkaError) {
        guard !closed else { return }
        closed = true
        fetcherWakeup.stop()
        releaseBorrowed()
        client.events.releaseImmediately = true
        awaitFirstAssignmentIfJoining()
        let result = rd_kafka_consumer_close(client.handle)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .broker(result, "close consumer") }
    }
}

extension KafkaConsumer {
    /// librdkafka 2.0.2 aborts when a cooperative-sticky member is destroyed after it joined
    /// the group and before its first assignment (confluentinc/librdkafka#4312, fixed in
    /// 2.3.0). A member that has a member id but no assignment yet waits for it here, at most
    /// a session timeout (10 s at most); messages arriving meanwhile are dropped, as a
    /// closing consumer's are.
    fileprivate func awaitFirstAssignmentIfJoining() {
        guard usesGroup, client.events.assignmentsReceived == 0, hasMemberID else { return }
        let waitMilliseconds = min(configuration.sessionTimeoutMilliseconds, 10_000)
        var waited = 0
        while client.events.assignmentsReceived == 0, waited < waitMilliseconds {
            if let message = rd_kafka_consumer_poll(client.handle, 100) { rd_kafka_message_destroy(message) }
            waited += 100
        }
    }

    private var hasMemberID: Bool {
        guard let id = rd_kafka_memberid(client.handle) else { return false }
        defer { rd_kafka_mem_free(client.handle, id) }
        return id.pointee != 0
    }
}

/// What one ``KafkaConsumer/poll(maxMessages:timeoutMilliseconds:)`` returned.
public struct ConsumerBatch: Sendable {
    /// Assignment changes, in order; they happened before every message in ``messages``.
    public var rebalances: [RebalanceEvent] = []
    public var messages: [ConsumedMessage] = []
    /// Passing errors (broker down, partition errors); librdkafka keeps retrying.
    public var errors: [KafkaError] = []

    public init() {}
}

/// A message of ``KafkaConsumer/pollBorrowing(into:maxMessages:timeoutMilliseconds:)``,
/// whose key and value point into librdkafka's buffers: valid only inside the
/// ``KafkaConsumer/forEachBorrowedMessage(_:)`` call that handed it over.
public struct BorrowedMessage {
    public var topicPartition: TopicPartition
    public var offset: Int64
    public var key: UnsafeRawBufferPointer?
    public var value: UnsafeRawBufferPointer

    public init(topicPartition: TopicPartition, offset: Int64, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.key = key
        self.value = value
    }

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }
}

// MARK: - Rebalance callback

private func rdKafkaRebalance(
    handle: OpaquePointer?, code: rd_kafka_resp_err_t,
    partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let opaque else { return }
    let events = Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue()
    let list = CPartitionList.elements(of: partitions).map(\.topicPartition)
    let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    switch code {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        events.assignmentsReceived += 1
        if events.assignsFromLogStart, let partitions { startAtLogStart(partitions, handle: handle, events: events) }
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, partitions) {
                events.errors.append(.consuming(error, "assign \(list)"))
            }
        } else {
            rd_kafka_assign(handle, partitions)
        }
        events.rebalances.append(.assigned(list.sorted()))
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        events.rebalances.append(.revoked(list.sorted(), lost: rd_kafka_assignment_lost(handle) != 0))
        if events.releaseImmediately {
            do { try KafkaConsumer.release(list, handle: handle) } catch { events.errors.append(error) }
        }
    default:
        events.errors.append(.broker(code, "rebalance"))
        rd_kafka_assign(handle, nil)
    }
}

/// Sets each partition of an assignment to start at its log start (see
/// ``KafkaConsumerConfiguration/assignsFromLogStart``). After the first partition whose
/// watermarks cannot be read (its leader is away), that one and the rest keep their offsets
/// and start at the committed one: the callback does not wait a timeout per partition.
private func startAtLogStart(
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, handle: OpaquePointer, events: ClientEvents
) {
    guard partitions.pointee.cnt > 0, let elements = partitions.pointee.elems else { return }
    for index in 0..<Int(partitions.pointee.cnt) {
        let partition = TopicPartition(String(cString: elements[index].topic), elements[index].partition)
        do {
            elements[index].offset = try RdKafkaClient.watermarks(handle: handle, of: partition, timeoutMilliseconds: 1_000).low
        } catch {
            events.logger.debug("\(partition) and the partitions after it start at their committed offsets: its log start is unknown (\(error))")
            return
        }
    }
}
