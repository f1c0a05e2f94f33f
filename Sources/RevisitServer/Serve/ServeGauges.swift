import Prometheus

/// What `revisit serve` reports on its `/metrics`: how much it holds, how much it read and
/// skipped per topic, and how far it is from ready.
public final class ServeGauges: Sendable {
    private let profiles: Gauge
    private let dailyRecords: Gauge
    private let alertsKept: Gauge
    private let alertSubscribers: Gauge
    private let catchUpLeft: Gauge
    private let read: [String: Counter]
    private let skipped: [String: Counter]

    public init(registry: PrometheusCollectorRegistry, topics: ServeStores.Topics) {
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(
                namespace: "revisit", subsystem: "serve", metricName: name, unitName: unit, helpText: help))
        }
        profiles = gauge("profiles", "", "Users whose latest profile is held")
        dailyRecords = gauge("daily_records", "", "Partition records of the daily metrics held")
        alertsKept = gauge("alerts_kept", "", "Recent alerts held for the live feed")
        alertSubscribers = gauge("alert_subscribers", "", "Open alert streams")
        catchUpLeft = gauge("catch_up_messages", "left", "Messages left to read before ready")
        func counters(_ name: String, _ help: String) -> [String: Counter] {
            let descriptor = MetricNameDescriptor(
                namespace: "revisit", subsystem: "serve", metricName: name, unitName: "total", helpText: help)
            return Dictionary(topics.all.map { ($0, registry.makeCounter(descriptor: descriptor, labels: [("topic", $0)])) }) { a, _ in a }
        }
        read = counters("messages_read", "Messages read from each output topic")
        skipped = counters("messages_skipped", "Messages that were not what their topic holds")
    }

    /// Counts what a batch read and skipped, per topic.
    func count(read: [String: Int], skipped: [String: Int]) {
        for (topic, n) in read where n > 0 { self.read[topic]?.increment(by: Int64(n)) }
        for (topic, n) in skipped where n > 0 { self.skipped[topic]?.increment(by: Int64(n)) }
    }

    /// Sets the sizes of the stores and the catch-up left.
    func update(_ stores: ServeStores, catchUpLeft left: Int64) {
        profiles.set(Int64(stores.profiles.counts.profiles))
        dailyRecords.set(Int64(stores.metrics.recordCount))
        alertsKept.set(Int64(stores.alerts.count))
        alertSubscribers.set(Int64(stores.alerts.subscriberCount))
        catchUpLeft.set(left)
    }
}
