import Foundation
import Testing
@testable import RevisitRuntime

/// The runner's decisions at their boundaries, without any I/O.
@Suite("The runner's state machine")
struct RunnerStateMachineTests {
    typealias Machine = PipelineRunner.StateMachine
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func machine(checkpoint: TimeInterval = 1, exitWhenCaughtUp: Bool = false) -> Machine {
        Machine(
            timing: Machine.Timing(
                checkpointRoundInterval: checkpoint, commitInterval: checkpoint, metricsInterval: 1, stopTimeout: 30,
                exitWhenCaughtUp: exitWhenCaughtUp),
            queueLimit: 1_000, now: t0)
    }

    @Test("Input is held from 80% of the producer queue until it drains to 20%")
    func backpressureBounds() {
        var machine = Self.machine()
        #expect(machine.nextRound(now: Self.t0, stopRequested: false, rereading: false, pendingOutputs: 799) == .pollInput)
        #expect(machine.nextRound(now: Self.t0, stopRequested: false, rereading: false, pendingOutputs: 800) == .waitForOutputs(atMost: 200))
        #expect(machine.state == .holdingInput)
        #expect(machine.nextRound(now: Self.t0, stopRequested: false, rereading: false, pendingOutputs: 201) == .waitForOutputs(atMost: 200))
        #expect(machine.nextRound(now: Self.t0, stopRequested: false, rereading: false, pendingOutputs: 200) == .pollInput)
        #expect(machine.state == .processing)
        #expect(machine.backpressurePauses == 1)
    }

    @Test("A stop while holding input stops at once, with the stop timeout as deadline")
    func stopWhileHolding() {
        var machine = Self.machine()
        _ = machine.nextRound(now: Self.t0, stopRequested: false, rereading: false, pendingOutputs: 900)
        let now = Self.t0.addingTimeInterval(3)
        #expect(machine.nextRound(now: now, stopRequested: true, rereading: false, pendingOutputs: 900) == .stop(deadline: now.addingTimeInterval(30)))
        // Stopping is final.
        #expect(machine.nextRound(now: now.addingTimeInterval(1), stopRequested: false, rereading: false, pendingOutputs: 0) == .stop(deadline: now.addingTimeInterval(30)))
    }

    @Test("Tasks re-reading up to their checkpoint get 5 s to finish before a stop")
    func rereadGrace() {
        var machine = Self.machine()
        #expect(machine.nextRound(now: Self.t0, stopRequested: true, rereading: true, pendingOutputs: 0) == .pollInput)
        #expect(machine.nextRound(now: Self.t0.addingTimeInterval(5), stopRequested: true, rereading: true, pendingOutputs: 0) == .pollInput)
        let late = Self.t0.addingTimeInterval(5.001)
        #expect(machine.nextRound(now: late, stopRequested: true, rereading: true, pendingOutputs: 0) == .stop(deadline: late.addingTimeInterval(30)))
        var done = Self.machine()
        _ = done.nextRound(now: Self.t0, stopRequested: true, rereading: true, pendingOutputs: 0)
        let caughtUp = Self.t0.addingTimeInterval(1)
        #expect(done.nextRound(now: caughtUp, stopRequested: true, rereading: false, pendingOutputs: 0) == .stop(deadline: caughtUp.addingTimeInterval(30)))
    }

    @Test("A checkpoint is due an interval after the last, and not while one is in flight")
    func checkpointTiming() {
        var machine = Self.machine(checkpoint: 2)
        #expect(!machine.choresDue(now: Self.t0.addingTimeInterval(1.999), received: 1).contains(.checkpoint))
        let due = Self.t0.addingTimeInterval(2)
        #expect(machine.choresDue(now: due, received: 1).contains(.checkpoint))
        machine.checkpointHandedOver(7, at: due)
        #expect(!machine.choresDue(now: due.addingTimeInterval(10), received: 1).contains(.checkpoint))
        #expect(machine.checkpointSettled(at: due.addingTimeInterval(10.5)) == 10.5)
        #expect(machine.choresDue(now: due.addingTimeInterval(10.5), received: 1).contains(.checkpoint))
        // No ticket (nothing new): the interval starts again all the same.
        machine.checkpointHandedOver(nil, at: due.addingTimeInterval(10.5))
        #expect(!machine.choresDue(now: due.addingTimeInterval(12.4), received: 1).contains(.checkpoint))
        #expect(machine.choresDue(now: due.addingTimeInterval(12.5), received: 1).contains(.checkpoint))
    }

    @Test("Offsets are committed every commit interval, whether or not a checkpoint is in flight")
    func commitTiming() {
        var machine = Self.machine(checkpoint: 2)
        #expect(!machine.choresDue(now: Self.t0.addingTimeInterval(1.999), received: 1).contains(.commitOffsets))
        #expect(machine.choresDue(now: Self.t0.addingTimeInterval(2), received: 1).contains(.commitOffsets))
        machine.checkpointHandedOver(3, at: Self.t0.addingTimeInterval(2))
        #expect(!machine.choresDue(now: Self.t0.addingTimeInterval(3.999), received: 1).contains(.commitOffsets))
        #expect(machine.choresDue(now: Self.t0.addingTimeInterval(4), received: 1).contains(.commitOffsets))
    }

    @Test("Idle partitions are looked at every second; caught-up checks only after an empty poll, every 200 ms")
    func periodicChores() {
        var machine = Self.machine(exitWhenCaughtUp: true)
        #expect(!machine.choresDue(now: Self.t0.addingTimeInterval(0.999), received: 0).contains(.advanceIdlePartitions))
        #expect(machine.choresDue(now: Self.t0.addingTimeInterval(1), received: 0).contains(.advanceIdlePartitions))
        #expect(!machine.choresDue(now: Self.t0.addingTimeInterval(1.5), received: 5).contains(.checkCaughtUp))
        #expect(machine.choresDue(now: Self.t0.addingTimeInterval(1.5), received: 0).contains(.checkCaughtUp))
        #expect(!machine.choresDue(now: Self.t0.addingTimeInterval(1.6), received: 0).contains(.checkCaughtUp))
        var staying = Self.machine()
        #expect(!staying.choresDue(now: Self.t0.addingTimeInterval(9), received: 0).contains(.checkCaughtUp))
        machine.caughtUp(now: Self.t0.addingTimeInterval(2))
        #expect(machine.state == .stopping(deadline: Self.t0.addingTimeInterval(32)))
    }
}
