import Foundation
import RevisitCore
import RevisitServer

/// Profiles as the topic would hold them: user ids and their JSON in one buffer.
struct GeneratedProfiles {
    private(set) var users: [String] = []
    private(set) var bytes: [UInt8] = []
    private var ends: [Int] = []

    var count: Int { users.count }

    mutating func append(user: String, json: borrowing JSONBuffer) {
        users.append(user)
        json.withBytes { bytes.append(contentsOf: $0) }
        ends.append(bytes.count)
    }

    /// Applies profile `i` to `table`.
    func apply(_ i: Int, to table: ProfileTable, scratch: inout JSONBuffer) {
        let start = i == 0 ? 0 : ends[i - 1]
        bytes.withUnsafeBytes { all in
            table.apply(userID: users[i], value: UnsafeRawBufferPointer(rebasing: all[start..<ends[i]]), scratch: &scratch)
        }
    }

    /// Applies every profile to `table`.
    func apply(to table: ProfileTable) {
        var scratch = JSONBuffer()
        for i in 0..<count { apply(i, to: table, scratch: &scratch) }
    }
}
