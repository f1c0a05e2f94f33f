import ArgumentParser
import Foundation
import RevisitCore

/// `revisit fit`: maximum-likelihood estimates of the churn model's `r, alpha, a, b`
/// (SPEC 5) from a summary CSV or a profile export.
struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Estimate the churn model's parameters (r, alpha, a, b) by maximum likelihood.",
        discussion: """
            Input is either a summary CSV with the columns frequency, recency and T (one row \
            per user, found by header name, other columns ignored; times in any unit, see \
            --time-unit-days) or a profile export (JSONL of profile records, such as the \
            profiles.jsonl of a replay: each user's latest record is used). Prints the \
            parameters, in days, ready for the churn_model section of a pipeline file.
            """
    )

    /// The model to fit.
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case bgnbd, mbgnbd

        var kind: ChurnModelKind {
            switch self {
            case .bgnbd: .bgnbd
            case .mbgnbd: .mbgnbd
            }
        }
    }

    @Option(name: .long, help: ArgumentHelp("Summary CSV with frequency, recency and T columns.", valueName: "file"))
    var csv: String?

    @Option(name: .long, help: ArgumentHelp("Profile export, one profile JSON per line.", valueName: "file"))
    var profiles: String?

    @Option(name: .long, help: "The model: mbgnbd (the one the pipeline scores with) or bgnbd.")
    var model: Model = .mbgnbd

    @Flag(name: .long, help: "Print one JSON line instead of text.")
    var json = false

    @Option(name: .customLong("time-unit-days"), help: ArgumentHelp(
        "Days per time unit of the CSV's recency and T (7 for weeks).", valueName: "days"))
    var timeUnitDays: Double = 1

    func validate() throws {
        guard (csv == nil) != (profiles == nil) else {
            throw ValidationError("give exactly one of --csv FILE and --profiles FILE")
        }
        guard timeUnitDays.isFinite, timeUnitDays > 0 else {
            throw ValidationError("--time-unit-days must be a number greater than 0")
        }
        if profiles != nil && timeUnitDays != 1 {
            throw ValidationError("--time-unit-days applies to --csv only: profiles are in days")
        }
    }

    func run() throws {
        let path = csv ?? profiles!
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        let observations: [ChurnObservation]
        do {
            observations = csv != nil
                ? try SummaryCSVReader(timeUnitDays: timeUnitDays).read(text)
                : try ProfileJSONLReader().read(text)
        } catch {
            throw CommandFailure("\(path): \(error.description)")
        }
        let result: ChurnFitResult
        do {
            result = try ChurnModelFitter(kind: model.kind).fit(observations)
        } catch {
            throw CommandFailure("\(path): \(error.description)")
        }
        print(json ? Self.json(result) : Self.text(result))
        if result.isDegenerate {
            FileHandle.standardError.write(Data(
                "warning: some estimates ran off to 0 or infinity: the data do not determine the parameters (too few users, or too few repeat visits)\n".utf8))
        } else if !result.converged {
            FileHandle.standardError.write(Data(
                "warning: the optimiser stopped at its iteration limit; the estimates may be imprecise\n".utf8))
        }
    }

    // MARK: - Output

    static func text(_ result: ChurnFitResult) -> String {
        let p = result.parameters
        let status = result.converged ? "converged" : "not converged"
        return """
            \(result.kind.displayName) fit of \(result.customerCount) users
              r               \(number(p.r))
              alpha           \(number(p.alpha))  (days)
              a               \(number(p.a))
              b               \(number(p.b))
              log-likelihood  \(String(format: "%.3f", result.logLikelihood))
              iterations      \(result.iterations) (\(status))
            pipeline settings: --set churn_model.r=\(number(p.r)) --set churn_model.alpha=\(number(p.alpha)) \
            --set churn_model.a=\(number(p.a)) --set churn_model.b=\(number(p.b))
            """
    }

    static func json(_ result: ChurnFitResult) -> String {
        let p = result.parameters
        let fields: [(String, String)] = [
            ("model", "\"\(result.kind.rawValue)\""),
            ("r", exact(p.r)), ("alpha", exact(p.alpha)), ("a", exact(p.a)), ("b", exact(p.b)),
            ("log_likelihood", exact(result.logLikelihood)),
            ("iterations", "\(result.iterations)"),
            ("converged", "\(result.converged)"),
            ("degenerate", "\(result.isDegenerate)"),
            ("users", "\(result.customerCount)"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// The shortest text that reads back as the same double (valid JSON), or null.
    private static func exact(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "null"
    }

    /// Six significant digits: more than the data support, few enough to read.
    private static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let text = String(format: "%.6g", value)
        return text.contains("e") ? "\(Double(text) ?? value)" : text
    }
}
