/// A failure a command reports as one clear line (`Error: …`), without the usage text that
/// argument-parser adds to a `ValidationError`: for bad input files and settings, not for
/// misspelled flags.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
