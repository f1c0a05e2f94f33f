import CRdKafka
import Synchronization

/// Knows when a consumer is rejoining its group, so that offset commits wait until it is back.
///
/// A commit carries the member's generation. One sent after a JoinGroup request lands behind
/// it on the coordinator's connection (a broker answers a connection's requests in order, and
/// holds JoinGroup until every member rejoined or the rebalance timed out), and is answered
/// only once the group has a new generation: ILLEGAL_GENERATION. librdkafka 2.0.2 takes that
/// answer for a lost assignment and drops every partition of the member, where the
/// cooperative protocol would have let it keep them. Seen on the embedded broker whenever a
/// member died: its session timeout holds the JoinGroup for seconds, and the survivors, which
/// commit every checkpoint, lost all their partitions.
///
/// librdkafka does not tell its join state, but interceptors see the requests go out: the
/// watch is set when a JoinGroup is sent and cleared when the SyncGroup answer (the end of
/// the round) comes back, or when the consumer leaves the group.
final class GroupJoinWatch: Sendable {
    private let joining = Atomic<Bool>(false)
    private let deferred = Atomic<Int>(0)

    /// True between a JoinGroup sent and the next SyncGroup answer.
    var isJoining: Bool { joining.load(ordering: .acquiring) }

    /// Commits not sent because the member was rejoining.
    var deferredCommits: Int { deferred.load(ordering: .relaxed) }

    func noteDeferredCommit() { deferred.add(1, ordering: .relaxed) }

    /// Registers the interceptors on `conf` for the client it creates. `watch` must outlive
    /// that client.
    static func install(on conf: OpaquePointer, watch: Unmanaged<GroupJoinWatch>) {
        rd_kafka_conf_interceptor_add_on_new(conf, "revisit.group-join", onNew, watch.toOpaque())
    }

    // MARK: - Interceptors

    fileprivate func requestSent(apiKey: Int16) {
        switch apiKey {
        case ApiKey.joinGroup: joining.store(true, ordering: .releasing)
        case ApiKey.leaveGroup: joining.store(false, ordering: .releasing)
        default: break
        }
    }

    fileprivate func responseReceived(apiKey: Int16) {
        if apiKey == ApiKey.syncGroup { joining.store(false, ordering: .releasing) }
    }

    /// Kafka protocol request types.
    private enum ApiKey {
        static let joinGroup: Int16 = 11
        static let leaveGroup: Int16 = 13
        static let syncGroup: Int16 = 14
    }
}

// MARK: - C callbacks (called from librdkafka's threads; they touch only the atomics)

private func onNew(
    rk: OpaquePointer?, conf: OpaquePointer?, opaque: UnsafeMutableRawPointer?,
    errstr: UnsafeMutablePointer<CChar>?, errstrSize: Int
) -> rd_kafka_resp_err_t {
    guard let rk, let opaque else { return RD_KAFKA_RESP_ERR_NO_ERROR }
    rd_kafka_interceptor_add_on_request_sent(rk, "revisit.group-join", onRequestSent, opaque)
    rd_kafka_interceptor_add_on_response_received(rk, "revisit.group-join", onResponseReceived, opaque)
    return RD_KAFKA_RESP_ERR_NO_ERROR
}

private func onRequestSent(
    rk: OpaquePointer?, sockfd: Int32, brokerName: UnsafePointer<CChar>?, brokerID: Int32, apiKey: Int16,
    apiVersion: Int16, correlationID: Int32, size: Int, opaque: UnsafeMutableRawPointer?
) -> rd_kafka_resp_err_t {
    if let opaque { Unmanaged<GroupJoinWatch>.fromOpaque(opaque).takeUnretainedValue().requestSent(apiKey: apiKey) }
    return RD_KAFKA_RESP_ERR_NO_ERROR
}

private func onResponseReceived(
    rk: OpaquePointer?, sockfd: Int32, brokerName: UnsafePointer<CChar>?, brokerID: Int32, apiKey: Int16,
    apiVersion: Int16, correlationID: Int32, size: Int, rtt: Int64, error: rd_kafka_resp_err_t,
    opaque: UnsafeMutableRawPointer?
) -> rd_kafka_resp_err_t {
    if let opaque { Unmanaged<GroupJoinWatch>.fromOpaque(opaque).takeUnretainedValue().responseReceived(apiKey: apiKey) }
    return RD_KAFKA_RESP_ERR_NO_ERROR
}
