import Foundation
import RevisitCore
import RevisitKafka
import Testing
@testable import RevisitRuntime

/// A stop ends within the stop timeout (`shutdownTimeout`; 30 s in `revisit run`) in every
/// state of the runner, as measured on the real clock: the waits look at the stop request
/// and the last checkpoint is waited for until the deadline at most.
@Suite("A bounded stop in every state of the runner")
struct StopTests {
    /// The stop timeout of these tests, short so that a wait to the deadline is quick.
    static let timeout: TimeInterval = 2
    /// What a stop may take beyond the timeout: the writer's last second, a poll.
    static let slack: TimeInterval = 2.5

    static func driver(configure: (inout PipelineRunnerConfiguration) -> Void = { _ in }) throws -> RuntimeTestDriver {
        let driver = RuntimeTestDriver(partitions: 2) {
            $0.shutdownTimeout = timeout
            configure(&$0)
        }
        try driver.startRunner()
        return driver
    }

    /// Stops the driver's runner and returns the real seconds it took.
    static func timedStop(_ driver: RuntimeTestDriver) throws -> TimeInterval {
        let started = Date()
        try driver.stopRunner()
        return Date().timeIntervalSince(started)
    }

    /// Requests a stop from another thread after `delay` seconds, while the test's thread
    /// is inside a round (a wait), runs rounds until the runner stopped, and returns the real
    /// seconds from the request to the stop.
    static func stopFromElsewhere(_ driver: RuntimeTestDriver, after delay: TimeInterval = 0.5) throws -> TimeInterval {
        let request = driver.stopRequester
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { request() }
        #expect(try driver.runUntil(timeout: 60) { driver.stopped })
        let requested = try #require(driver.stopRequestTime)
        return Date().timeIntervalSince(requested)
    }

    @Test("Processing: the last checkpoint is written and the stop is quick")
    func whileProcessing() throws {
        let driver = try Self.driver()
        driver.pipe(RuntimeDriverTests.lines())
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.summarySoFar.firstMessageAt != nil })
        let seconds = try Self.timedStop(driver)
        #expect(seconds < Self.timeout, "stopping took \(seconds) s")
        for p: Int32 in [0, 1] {
            #expect(driver.committed(p) == (try driver.checkpoints(p).last?.inputOffset))
        }
    }

    @Test("Backpressure: input held by a cluster that does not acknowledge")
    func whileHoldingInput() throws {
        let driver = try Self.driver { $0.kafka.properties["queue.buffering.max.messages"] = "100" }
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] })
        driver.logs.acknowledging = false
        driver.pipe(RuntimeDriverTests.lines())
        #expect(try driver.runUntil { driver.runner.state == .holdingInput })
        let seconds = try Self.timedStop(driver)
        #expect(seconds < Self.timeout + Self.slack, "stopping took \(seconds) s")
        #expect(driver.log.contains("did not acknowledge the last checkpoint in time"))
    }

    @Test("Checkpoint wait: a revoked partition's checkpoint the cluster does not acknowledge")
    func whileWaitingForACheckpoint() throws {
        let driver = try Self.driver()
        driver.pipe(RuntimeDriverTests.lines())
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] })
        driver.logs.acknowledging = false
        driver.revoke([1])
        // The round handling the revocation waits for the checkpoint until asked to stop.
        let seconds = try Self.stopFromElsewhere(driver)
        #expect(seconds < Self.timeout + Self.slack, "stopping took \(seconds) s")
        #expect(driver.log.contains("let go without their last checkpoint"))
    }

    @Test("Restore: the state topic cannot be read")
    func whileRestoring() throws {
        let driver = try Self.driver()
        driver.logs.readFailure = PipelineError(.restoreTimedOut, "no message for 30 s", isRetriable: true)
        driver.assign([0, 1])
        let seconds = try Self.stopFromElsewhere(driver)
        #expect(seconds < Self.slack, "stopping took \(seconds) s")
        #expect(driver.log.contains("restore of partitions [0, 1] given up"))
        #expect(driver.log.contains("retrying"))
    }

    @Test("Cluster unreachable: outputs and the checkpoint in flight unacknowledged")
    func whileTheClusterIsUnreachable() throws {
        let driver = try Self.driver()
        driver.assign([0, 1])
        #expect(try driver.runUntil { driver.runner.heldPartitions == [0, 1] })
        driver.logs.acknowledging = false
        driver.pipe(RuntimeDriverTests.lines())
        #expect(try driver.runUntil { driver.runner.summarySoFar.lastMessageAt != nil })
        driver.clock.advance(by: 2)
        try driver.runRounds(3)
        let seconds = try Self.timedStop(driver)
        #expect(seconds < Self.timeout + Self.slack, "stopping took \(seconds) s")
        #expect(seconds >= Self.timeout - 0.5, "the stop did not wait for the cluster (\(seconds) s)")
    }
}
