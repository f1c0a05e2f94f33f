/// Why a benchmark could not run or measure: a child process that failed (named, with how it
/// ended and where its stderr is), messages that were not delivered, an option out of range.
public struct BenchmarkFailure: Error, CustomStringConvertible, Sendable {
    /// One line saying what failed, with the names and paths needed to look into it.
    public var message: String

    /// A failure described by `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
