/// The users whose state changed since the runtime last made it durable (SPEC 8: state
/// changes go to the state topic between snapshots).
///
/// Off unless the runtime enables it (a replay keeps no state topic). Marking costs a flag
/// test per change; each user is listed once however often it changed.
struct UserChangeLog: Sendable {
    var isEnabled = false
    /// Slots changed since the last `take()`, in first-change order.
    private var slots: [UInt32] = []
    private var marked: [Bool] = []
    /// Ids erased by `forget` since the last `take()`.
    private var erased: [String] = []

    @inline(__always)
    mutating func mark(_ slot: UInt32) {
        guard isEnabled else { return }
        let s = Int(slot)
        if s >= marked.count {
            marked.append(contentsOf: repeatElement(false, count: max(s + 1 - marked.count, marked.count, 1024)))
        }
        if !marked[s] {
            marked[s] = true
            slots.append(slot)
        }
    }

    mutating func markErased(_ userID: String) {
        guard isEnabled else { return }
        erased.append(userID)
    }

    var isEmpty: Bool { slots.isEmpty && erased.isEmpty }

    /// Users listed, changed or erased.
    var count: Int { slots.count + erased.count }

    /// The changes since the last call, clearing them: erasures first, then changed slots
    /// (a slot may since have been freed, or reused by another user).
    mutating func take() -> (erased: [String], slots: [UInt32]) {
        for slot in slots { marked[Int(slot)] = false }
        defer {
            slots.removeAll(keepingCapacity: true)
            erased.removeAll()
        }
        return (erased, slots)
    }
}
