/// A change of a group consumer's assignment, delivered by ``KafkaConsumer/poll(maxMessages:timeoutMilliseconds:)``
/// before any message of the new assignment.
public enum RebalanceEvent: Sendable, Equatable {
    /// These partitions now belong to this consumer; it reads them from their committed offsets.
    case assigned([TopicPartition])
    /// These partitions are being taken away. Stop working on them, make their results durable
    /// and commit before the next poll: the consumer releases them to the group only then.
    /// `lost` is true when the group already gave them to another member (session timeout):
    /// nothing more may be written for them.
    case revoked([TopicPartition], lost: Bool)
}
