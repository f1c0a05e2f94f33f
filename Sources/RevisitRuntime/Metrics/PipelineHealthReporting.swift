/// Where a ``PipelineRunner`` reports that its processing loop is alive and whether the
/// process is ready: what an HTTP server's `/healthz` and `/readyz` answer.
///
/// The runner calls it from its processing thread; an implementation answers probes from
/// other threads, so it must be safe to call from any thread.
public protocol PipelineHealthReporting: Sendable {
    /// The processing loop went round (or a wait of it for the cluster did) at `instant`.
    /// With `allowance`, the next report may take that long (a restore is one long step);
    /// without, the reporter's own bound applies.
    func progressed(at instant: ContinuousClock.Instant, nextWithin allowance: Duration?)

    /// Every assigned partition is restored and processing (`ready`), or not, with why:
    /// the condition of `--ready-file`.
    func setReady(_ ready: Bool, reason: String)
}
