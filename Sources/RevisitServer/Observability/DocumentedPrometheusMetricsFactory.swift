import CoreMetrics
import Prometheus

/// swift-metrics into a Prometheus registry, with a `# HELP` line for every metric whose
/// name has a help text: `PrometheusMetricsFactory` gives none.
///
/// Every other choice is `PrometheusMetricsFactory`'s (its histogram buckets, its handling
/// of destroyed metrics).
public struct DocumentedPrometheusMetricsFactory: MetricsFactory {
    public let registry: PrometheusCollectorRegistry
    /// Help texts by metric name.
    public let help: [String: String]
    private let plain: PrometheusMetricsFactory

    public init(registry: PrometheusCollectorRegistry, help: [String: String]) {
        self.registry = registry
        self.help = help
        self.plain = PrometheusMetricsFactory(registry: registry)
    }

    private func descriptor(_ name: String) -> MetricNameDescriptor {
        // The whole name goes in `metricName`: the registry joins the non-empty parts.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? "")
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(
            descriptor: descriptor(label), labels: dimensions,
            buckets: plain.valueHistogramBuckets[label] ?? plain.defaultValueHistogramBuckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: descriptor(label), labels: dimensions,
            buckets: plain.durationHistogramBuckets[label] ?? plain.defaultDurationHistogramBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { plain.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { plain.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { plain.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { plain.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { plain.destroyTimer(handler) }
}
