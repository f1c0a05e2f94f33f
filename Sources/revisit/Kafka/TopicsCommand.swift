import ArgumentParser
import RevisitKafka

/// `revisit topics`: lists the cluster's topics with their partition counts.
struct TopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics", abstract: "List the cluster's topics and their partition counts.")

    @OptionGroup var kafka: KafkaOptions

    func run() throws {
        let admin = try KafkaAdmin(configuration: kafka.configuration(clientID: "revisit-topics"))
        for topic in try admin.listTopics() {
            print("\(topic.name)\t\(topic.partitionCount)")
        }
    }
}
