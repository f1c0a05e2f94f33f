import RevisitKafka

/// One command line on `revisit broker`'s standard input: `down <id>`, `up <id>`, `down all`
/// or `up all`, with 1-based broker ids.
struct BrokerControlCommand: Equatable {
    enum Action: String {
        /// Takes the broker off the network: its connections close and it refuses new ones.
        case down
        /// Brings the broker back.
        case up
    }

    enum Target: Equatable, CustomStringConvertible {
        case broker(Int)
        case all

        var description: String {
            switch self {
            case .broker(let id): "\(id)"
            case .all: "all"
            }
        }
    }

    var action: Action
    var target: Target

    /// Parses one line for a cluster of `brokerCount` brokers. A line that is not a command,
    /// or names a broker the cluster does not have, throws a message that says what is accepted.
    init(parsing line: String, brokerCount: Int) throws(CommandFailure) {
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let first = words.first, let action = Action(rawValue: first) else {
            throw CommandFailure("unknown command \"\(line)\"; the commands are down <id>, up <id>, down all and up all")
        }
        let brokers = brokerCount == 1 ? "the only broker is 1" : "the brokers are 1 to \(brokerCount)"
        guard words.count == 2 else {
            throw CommandFailure("\(action.rawValue) takes one broker id or all, got \"\(line)\"; \(brokers)")
        }
        if words[1] == "all" {
            target = .all
        } else if let id = Int(words[1]), (1...brokerCount).contains(id) {
            target = .broker(id)
        } else {
            throw CommandFailure("no broker \"\(words[1])\"; \(brokers)")
        }
        self.action = action
    }

    /// Takes the brokers down or brings them up.
    func apply(to cluster: MockCluster) throws(KafkaError) {
        let ids: ClosedRange<Int>
        switch target {
        case .broker(let id): ids = id...id
        case .all: ids = 1...cluster.brokerCount
        }
        for id in ids {
            switch action {
            case .down: try cluster.setBrokerDown(Int32(id))
            case .up: try cluster.setBrokerUp(Int32(id))
            }
        }
    }

    /// The line that confirms the command: `ok down 1`, `ok up all`.
    var confirmation: String { "ok \(action.rawValue) \(target)" }
}
