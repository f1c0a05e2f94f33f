extension PipelineBenchmark {
    /// A failure ``PipelineBenchmark/run()`` has already printed, with where the children's
    /// logs are kept: the caller has only to end with a failure status.
    public struct ReportedFailure: Error, CustomStringConvertible, Sendable {
        /// What failed.
        public var message: String
        /// The directory that keeps the children's stdout and stderr.
        public var logDirectory: String

        /// A failure already printed, whose children's logs stay in `logDirectory`.
        public init(message: String, logDirectory: String) {
            self.message = message
            self.logDirectory = logDirectory
        }

        public var description: String { message }
    }
}
