/// The running totals of a `revisit run` process that its metrics follow: what
/// ``PipelineRunSummary`` and the writer count, read at one publication.
///
/// Totals, not increments: ``PipelineMetrics`` adds what grew since the previous sample.
public struct ProcessMetricsSample: Sendable, Equatable {
    /// Output records written so far, by topic.
    public var outputsByTopic: [String: Int]
    public var outputsAlreadyWritten: Int
    public var checkpoints: Int
    public var backpressurePauses: Int
    public var resets: Int
    public var partitionsAssigned: Int
    /// Output records handed to the writer and not yet taken by the producer.
    public var outputQueue: Int
    /// Errors the Kafka clients reported and recovered from, by client and code.
    public var clientErrors: [ClientErrorKind: Int]

    public init(
        outputsByTopic: [String: Int] = [:], outputsAlreadyWritten: Int = 0, checkpoints: Int = 0,
        backpressurePauses: Int = 0, resets: Int = 0, partitionsAssigned: Int = 0, outputQueue: Int = 0,
        clientErrors: [ClientErrorKind: Int] = [:]
    ) {
        self.outputsByTopic = outputsByTopic
        self.outputsAlreadyWritten = outputsAlreadyWritten
        self.checkpoints = checkpoints
        self.backpressurePauses = backpressurePauses
        self.resets = resets
        self.partitionsAssigned = partitionsAssigned
        self.outputQueue = outputQueue
        self.clientErrors = clientErrors
    }
}
