import RevisitKafka
import RevisitServer
import Testing

/// Readiness of `revisit serve`: every partition read to the end offset it had at start.
@Suite("Catch-up: ready once every partition is read to its end offset at start")
struct CatchUpProgressTests {
    @Test("Empty partitions count as read; messages past the end at start change nothing")
    func progress() {
        let a = TopicPartition("revisit.metrics", 0), b = TopicPartition("revisit.profiles", 3)
        let empty = TopicPartition("revisit.alerts", 1)
        var progress = CatchUpProgress(bounds: [a: (low: 5, high: 8), b: (low: 0, high: 2), empty: (low: 4, high: 4)])
        #expect(progress.total == 5 && progress.messagesLeft == 5 && !progress.isCaughtUp)
        progress.read(a, offset: 5)
        progress.read(b, offset: 1)
        #expect(progress.unfinished == [a] && progress.messagesLeft == 2)
        progress.read(empty, offset: 4)
        progress.read(a, offset: 6)
        #expect(!progress.isCaughtUp)
        // Compaction may have removed offset 7's predecessors; the last offset decides.
        progress.read(a, offset: 7)
        #expect(progress.isCaughtUp && progress.messagesLeft == 0)
        #expect(CatchUpProgress(bounds: [empty: (low: 4, high: 4)]).isCaughtUp)
    }
}
