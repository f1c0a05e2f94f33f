import ArgumentParser
import Foundation
import RevisitCore

/// The options of every command that runs a pipeline: `--config FILE` and repeatable
/// `--set NAME=VALUE` (SPEC 9). Use with `@OptionGroup var pipeline: PipelineOptions`.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Pipeline file (YAML).",
        discussion: "Without it, the built-in defaults apply (the values of pipelines/default.yaml).",
        valueName: "file"))
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override one setting after the pipeline file (repeatable), e.g. --set timezone=Asia/Shanghai.",
        valueName: "name=value"))
    var overrides: [String] = []

    /// The pipeline file with the overrides applied and every setting checked. A missing or
    /// unreadable file or a bad setting becomes a ``CommandFailure`` whose message names the
    /// file and line, or the `--set` argument, so the command stops before it starts.
    func configuration() throws -> PipelineConfiguration {
        var yaml: String?
        if let config {
            do {
                yaml = try String(contentsOfFile: config, encoding: .utf8)
            } catch {
                throw CommandFailure("cannot read pipeline file \(config): \(error.localizedDescription)")
            }
        }
        do {
            return try PipelineConfigurationLoader().load(yaml: yaml, fileName: config ?? "pipeline", overrides: overrides)
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
