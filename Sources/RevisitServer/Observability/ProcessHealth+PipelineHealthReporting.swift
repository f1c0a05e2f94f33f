import RevisitRuntime

/// A `revisit run` process reports its loop and readiness straight to the health that its
/// `/healthz` and `/readyz` answer.
extension ProcessHealth: PipelineHealthReporting {}
