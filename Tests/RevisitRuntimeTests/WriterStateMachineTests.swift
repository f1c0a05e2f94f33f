import Foundation
import RevisitKafka
import Testing
@testable import RevisitRuntime

/// The writer's decisions: when a checkpoint's record may go out, its output ends, and
/// when it is durable, from the counts of what was sent and reported.
@Suite("The writer's state machine")
struct WriterStateMachineTests {
    typealias Machine = OutputWriter.StateMachine
    static let outputs = ["p", "s", "a", "m", "d"]
    static let state = "app.state"

    static func checkpoint(_ offset: Int64) -> Checkpoint {
        Checkpoint(
            epoch: 1, inputOffset: offset, rebufferOffset: offset, outputEnds: [:], snapshot: nil, completesSnapshot: false,
            frame: [], writtenAt: 0)
    }

    static func request(_ partition: Int32, _ offset: Int64, records: [StateRecord] = []) -> OutputWriter.CheckpointRequest {
        OutputWriter.CheckpointRequest(partition: partition, records: records, checkpoint: checkpoint(offset), fillsOutputEnds: true)
    }

    static func report(_ id: UInt64, _ topic: String, _ partition: Int32, offset: Int64, delivered: Bool = true) -> DeliveryReport {
        DeliveryReport(
            messageID: id, topicPartition: TopicPartition(topic, partition), offset: offset,
            code: delivered ? .noError : KafkaErrorCode(rawValue: -192))
    }

    @Test("The checkpoint record waits for the reports of the outputs before it, and records their ends")
    func checkpointWaitsForOutputs() {
        var machine = Machine(outputTopics: Self.outputs, stateTopic: Self.state)
        _ = machine.taskStarted(partition: 0, firstMessageID: 1, outputEnds: ["p": 10], written: WrittenOutputs())
        machine.outputsSent(partition: 0, counts: [2, 0, 1, 0, 0], firstMessageID: 1)
        #expect(machine.checkpointsRequested([Self.request(0, 50)], ticket: 1, firstMessageID: 4).isEmpty)
        // One of the two profiles reported: not yet.
        #expect(machine.reportsArrived([Self.report(1, "p", 0, offset: 10)]).isEmpty)
        let actions = machine.reportsArrived([Self.report(2, "p", 0, offset: 11), Self.report(3, "a", 0, offset: 4)])
        var expected = Self.checkpoint(50)
        expected.outputEnds = ["p": 12, "a": 5]
        #expect(actions == [.sendCheckpoint(partition: 0, expected)])
        // Durable once its own record (the state topic's first message) is reported.
        #expect(machine.reportsArrived([Self.report(4, Self.state, 0, offset: 0)]) == [.durable(1, partition: 0, expected), .finished(1)])
        #expect(!machine.hasPendingCheckpoints)
    }

    @Test("A checkpoint's state records go out at once; a ticket of two partitions finishes with the second")
    func stateRecordsAndTickets() {
        var machine = Machine(outputTopics: Self.outputs, stateTopic: Self.state)
        let records: [StateRecord] = [.retiredChanges(key: "d:1:0")]
        let actions = machine.checkpointsRequested([Self.request(0, 5, records: records), Self.request(1, 7)], ticket: 9, firstMessageID: 1)
        // Each partition's checkpoint after its own state records; the partitions in any order.
        #expect(actions.count == 3)
        #expect(actions.first == .sendStateRecords(partition: 0, records))
        #expect(actions.dropFirst().contains(.sendCheckpoint(partition: 0, Self.checkpoint(5))))
        #expect(actions.contains(.sendCheckpoint(partition: 1, Self.checkpoint(7))))
        // Partition 0's checkpoint record is its second state message.
        #expect(machine.reportsArrived([Self.report(1, Self.state, 0, offset: 0)]).isEmpty)
        #expect(machine.reportsArrived([Self.report(2, Self.state, 0, offset: 1)]) == [.durable(9, partition: 0, Self.checkpoint(5))])
        #expect(machine.reportsArrived([Self.report(3, Self.state, 1, offset: 0)]) == [.durable(9, partition: 1, Self.checkpoint(7)), .finished(9)])
    }

    @Test("A failed delivery fails the task: its checkpoints never become durable, its ticket still finishes")
    func failedDelivery() {
        var machine = Machine(outputTopics: Self.outputs, stateTopic: Self.state)
        machine.outputsSent(partition: 0, counts: [1, 0, 0, 0, 0], firstMessageID: 1)
        _ = machine.checkpointsRequested([Self.request(0, 3)], ticket: 2, firstMessageID: 2)
        let failed = Self.report(1, "p", 0, offset: -1, delivered: false)
        #expect(machine.reportsArrived([failed]) == [.deliveryFailed(partition: 0, failed), .finished(2)])
        // Later checkpoints of the failed task are abandoned at once.
        #expect(machine.checkpointsRequested([Self.request(0, 4)], ticket: 3, firstMessageID: 2) == [.finished(3)])
    }

    @Test("A new owner in the same process: the former one's reports are ignored and its waiting checkpoints abandoned")
    func newOwner() {
        var machine = Machine(outputTopics: Self.outputs, stateTopic: Self.state)
        machine.outputsSent(partition: 0, counts: [1, 0, 0, 0, 0], firstMessageID: 1)
        _ = machine.checkpointsRequested([Self.request(0, 3)], ticket: 1, firstMessageID: 2)
        #expect(machine.taskStarted(partition: 0, firstMessageID: 2, outputEnds: [:], written: WrittenOutputs()) == [.finished(1)])
        // A report of the former owner's message changes nothing for the new one.
        #expect(machine.reportsArrived([Self.report(1, "p", 0, offset: 0, delivered: false)]).isEmpty)
        #expect(machine.checkpointsRequested([Self.request(0, 4)], ticket: 2, firstMessageID: 2) == [.sendCheckpoint(partition: 0, Self.checkpoint(4))])
    }
}
