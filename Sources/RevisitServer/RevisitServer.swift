/// HTTP for operators: the `/metrics`, `/healthz` and `/readyz` endpoints of every process,
/// and `revisit serve`, which reads the output topics and answers a JSON API and a dashboard.
public enum RevisitServer {}
