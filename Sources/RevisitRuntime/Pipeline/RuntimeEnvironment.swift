import RevisitCore
import RevisitKafka

/// Everything a ``PipelineRunner`` touches outside itself: the clock its decisions read, and
/// the clients it reads, writes and restores with.
///
/// ``kafka(_:)`` is the environment of `revisit run`; the runtime's test driver builds one
/// over its own logs and clock, so that the runner's decisions run unchanged in a test.
struct RuntimeEnvironment {
    var clock: any RuntimeClock
    /// Creates missing topics, checks present ones, and returns the input's partition count
    /// and the warnings to log.
    var prepareTopics: () throws(PipelineError) -> PreparedTopics
    /// Creates the group consumer.
    var makeConsumer: (KafkaConsumerConfiguration) throws(KafkaError) -> any InputConsumer
    /// Creates the writer's producer, on the writer's thread.
    var makeProducer: @Sendable (KafkaProducerConfiguration, WaitInterruption) throws(KafkaError) -> any OutputProducer
    /// A reader of partition ranges for restores, under a client id suffix (`-restore`).
    var makeLogReader: (_ clientIDSuffix: String, WaitInterruption) -> any PartitionLogReading

    /// The environment of `revisit run`: the system clock and Kafka clients of `configuration`.
    static func kafka(_ configuration: PipelineRunnerConfiguration) -> RuntimeEnvironment {
        let pipeline = configuration.pipeline
        let kafka = configuration.kafka
        return RuntimeEnvironment(
            clock: SystemClock(),
            prepareTopics: { () throws(PipelineError) in
                do throws(PipelineTopicsError) {
                    return try PipelineTopics.prepare(
                        topics: pipeline.topics, stateTopic: configuration.stateTopic, kafka: kafka,
                        inputPartitionsIfMissing: configuration.inputPartitionsIfMissing,
                        creationConfigs: pipeline.topicCreationConfigs)
                } catch {
                    throw PipelineError(.topics, error.description)
                }
            },
            makeConsumer: { configuration throws(KafkaError) in try KafkaConsumer(configuration: configuration) },
            makeProducer: { configuration, interruption throws(KafkaError) in
                KafkaOutputProducer(try KafkaProducer(configuration: configuration), interruption: interruption)
            },
            makeLogReader: { suffix, interruption in
                var reader = PartitionRangeReader(kafka: kafka, clientID: kafka.clientID + suffix)
                reader.interruption = interruption
                return reader
            })
    }
}
