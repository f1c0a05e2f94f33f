import Metrics
import Prometheus
import RevisitRuntime

/// What a process's HTTP server shows: a Prometheus registry, the swift-metrics factory
/// that fills it, and the process's health.
public struct ProcessObservability: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let health: ProcessHealth
    /// Fills ``registry``, with the help texts of the pipeline's metrics.
    public let metricsFactory: any MetricsFactory

    /// A fresh registry (not the process-wide default: two in one process stay apart) and a
    /// health whose main loop may go `stallLimit` without progress.
    public init(stallLimit: Duration = .seconds(30)) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.health = ProcessHealth(stallLimit: stallLimit)
        self.metricsFactory = DocumentedPrometheusMetricsFactory(registry: registry, help: PipelineMetricName.help)
    }
}
