/// One row of the README table the benchmark prints at the end.
struct ReadmeRow {
    var benchmark: String
    var result: String
    var target: String
}
