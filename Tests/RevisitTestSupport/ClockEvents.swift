import RevisitKafka

/// Events that end a test's input for a live pipeline, so that its outputs can be compared
/// with the file replay of the same lines.
public enum ClockEvents {
    /// A campaign touch of a user of its own in each partition, at noon two days after
    /// `last`: it moves every watermark past all session closes and midnights up to then
    /// (and no timer falls in the allowed lateness before it), and a user known only from
    /// touches has no profile, so it adds no output.
    public static func lines(after last: Int64, partitions: Int) -> [String] {
        let day: Int64 = 86_400_000
        let instant = (last / day + 2) * day + day / 2
        var lines: [String] = []
        var candidate = 0
        for partition in 0..<partitions {
            while KafkaPartitioner.partition(of: "clock-\(candidate)", count: partitions) != partition { candidate += 1 }
            lines.append(#"{"event_id":"clock-\#(partition)","user_id":"clock-\#(candidate)","type":"campaign_touch","ts":\#(instant),"campaign":"clock"}"#)
        }
        return lines
    }
}
