/// Percentiles of measured latencies, in milliseconds.
struct LatencySummary: CustomStringConvertible {
    let count: Int
    let p50: Double, p99: Double, p999: Double, max: Double

    init(_ latencies: [Duration]) {
        let sorted = latencies.map { $0.seconds * 1000 }.sorted()
        func at(_ q: Double) -> Double { sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * q))] }
        count = sorted.count
        (p50, p99, p999, max) = (at(0.5), at(0.99), at(0.999), sorted.last ?? 0)
    }

    var description: String {
        String(format: "p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (%d lookups)", p50, p99, p999, max, count)
    }
}
