/// Interns campaign and variant names so user state holds 4-byte ids.
struct Interner: Sendable {
    private(set) var names: [String] = []
    private var ids: [String: UInt32] = [:]

    init() {}

    init(names: [String]) {
        for name in names { _ = intern(name) }
    }

    /// The id of `name`, registering it on first use.
    mutating func intern(_ name: String) -> UInt32 {
        if let id = ids[name] { return id }
        let id = UInt32(names.count)
        names.append(name)
        ids[name] = id
        return id
    }

    subscript(id: UInt32) -> String { names[Int(id)] }
}
