import CRdKafka
import Foundation
import Synchronization

/// Gets librdkafka fetching again as soon as a consumer has read most of what it prefetched.
///
/// librdkafka 2.0.2 stops fetching a partition while the consumer's queue, which every
/// assigned partition feeds, holds `queued.min.messages` or `queued.max.messages.kbytes`, and
/// looks again only when its broker thread next wakes: on a response, on a request to send, or
/// after a second (confluentinc/librdkafka#2879; later versions added `fetch.queue.backoff.ms`).
/// When all partitions stop at once nothing is in flight, so a consumer faster than that second
/// empties the queue and then idles. Measured on the embedded broker: a pause of 0.5-1 s
/// after the first half million events.
///
/// A background thread looks at the queue's length every few milliseconds. When it has
/// dropped below ``lowWater`` since it was last at or above it, has not grown since the last
/// look, and an assigned partition has more on its broker than was handed out, the thread
/// asks one such partition per leader for its watermarks: a small request whose send wakes
/// that broker's thread, which then decides to fetch again. That is at most one round of
/// requests per filling of the queue; a consumer that keeps up with its input, whose queue
/// never fills, sends none. (Woken every few milliseconds while it kept up with live traffic,
/// the mock cluster's fetching slowed to a quarter.)
final class FetcherWakeup: Sendable {
    /// The consumer's handle and queue, used from the wakeup thread. librdkafka's calls made
    /// here are thread-safe; the consumer stops this thread before it destroys either.
    private struct Handles: @unchecked Sendable {
        let client: OpaquePointer
        let queue: OpaquePointer
    }

    /// Queue length in messages below which a stopped fetcher is woken.
    let lowWater: Int
    private let handles: Handles
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Wakeup requests sent, for tests and diagnostics.
    private let wakeups = Atomic<Int>(0)
    /// Rounds of wakeup requests, one per filling of the queue at most.
    private let rounds = Atomic<Int>(0)
    /// Times the queue reached ``lowWater`` from below (or since the last round).
    private let fillings = Atomic<Int>(0)

    private static let lookIntervalMicroseconds: UInt32 = 5_000

    init(client: OpaquePointer, queue: OpaquePointer, lowWater: Int) {
        self.handles = Handles(client: client, queue: queue)
        self.lowWater = lowWater
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "revisit.fetcher-wakeup"
        thread.start()
    }

    /// Requests sent so far to wake a broker's fetcher.
    var wakeupCount: Int { wakeups.load(ordering: .relaxed) }

    /// Rounds of requests sent so far; each follows a filling of the queue.
    var roundCount: Int { rounds.load(ordering: .relaxed) }

    /// Times the queue was seen reaching ``lowWater`` with no round since it last did.
    var fillCount: Int { fillings.load(ordering: .relaxed) }

    /// Stops the thread and waits for it: call before the handle or queue is destroyed.
    func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }

    // MARK: - Thread

    private func run() {
        var previousLength = Int.max
        // Set once the queue reached the low-water mark: librdkafka stops fetching only above
        // it, so a queue that never got there (a consumer keeping up with live traffic) has
        // a fetcher that is running, and requests sent to it would only add load.
        var filled = false
        var leaders = LeaderCache()
        while !stopping.load(ordering: .relaxed) {
            usleep(Self.lookIntervalMicroseconds)
            let length = Int(rd_kafka_queue_length(handles.queue))
            defer { previousLength = length }
            if length >= lowWater, !filled {
                filled = true
                fillings.add(1, ordering: .relaxed)
            }
            guard filled, length < lowWater, length <= previousLength else { continue }
            let lagging = laggingPartitions()
            guard !lagging.isEmpty else { continue }
            filled = false
            rounds.add(1, ordering: .relaxed)
            var woken = Set<Int32>()
            for partition in lagging {
                // Partitions of an unknown leader are asked each; one request wakes a broker.
                let leader = leaders.leader(of: partition, client: handles.client)
                if let leader, !woken.insert(leader).inserted { continue }
                // The answer does not matter, only that the request was sent.
                _ = try? RdKafkaClient.watermarks(handle: handles.client, of: partition, timeoutMilliseconds: 1_000)
                wakeups.add(1, ordering: .relaxed)
                if stopping.load(ordering: .relaxed) { return }
            }
        }
    }

    /// Assigned partitions whose high watermark, as the last fetch response reported it, is
    /// past the position handed to the application.
    private func laggingPartitions() -> [TopicPartition] {
        var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handles.client, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR,
              let assignment else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(assignment) }
        guard assignment.pointee.cnt > 0,
              rd_kafka_position(handles.client, assignment) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [] }
        var lagging: [TopicPartition] = []
        for element in CPartitionList.elements(of: assignment) where element.offset >= 0 {
            let partition = element.topicPartition
            guard let high = RdKafkaClient.cachedWatermarks(handle: handles.client, of: partition)?.high else { continue }
            if high > element.offset { lagging.append(partition) }
        }
        return lagging
    }
}

/// Leader broker ids of partitions, from the cluster's metadata: read again after 10 s (leaders
/// move when a broker goes down), or when a partition is missing, at most once a second.
private struct LeaderCache {
    private var leaders: [TopicPartition: Int32] = [:]
    private var lastReadAt = ContinuousClock.now - .seconds(60)

    mutating func leader(of partition: TopicPartition, client: OpaquePointer) -> Int32? {
        let age = ContinuousClock.now - lastReadAt
        if let leader = leaders[partition], age < .seconds(10) { return leader }
        guard age >= .seconds(1) else { return leaders[partition] }
        lastReadAt = .now
        guard let topics = try? RdKafkaClient.topicMetadata(handle: client, allTopics: false, timeoutMilliseconds: 1_000)
        else { return nil }
        leaders.removeAll(keepingCapacity: true)
        for topic in topics {
            for (id, leader) in topic.leaders { leaders[TopicPartition(topic.name, id)] = leader }
        }
        return leaders[partition]
    }
}
