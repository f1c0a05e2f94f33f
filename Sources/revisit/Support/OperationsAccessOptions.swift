import ArgumentParser
import Foundation
import Logging
import RevisitServer

/// The options that put `/metrics`, `/healthz` and `/readyz` behind tokens, shared by every
/// command with an HTTP server. Use with `@OptionGroup var access: OperationsAccessOptions`.
///
/// Tokens come from a file or an environment variable, never from an argument: the process
/// list shows arguments to every user of the host.
struct OperationsAccessOptions: ParsableArguments {
    static let tokenFileOption = "--operations-token-file"
    static let tokensVariable = "REVISIT_OPERATIONS_TOKENS"

    @Option(name: .customLong("protect"), help: ArgumentHelp(
        "Endpoints that need an operations token: metrics, healthz, readyz (repeatable or comma-separated). Default: open.",
        valueName: "endpoints"))
    var protect: [String] = []

    @Option(name: .customLong("operations-token-file"), help: ArgumentHelp(
        "File of the tokens that open the endpoints of --protect, one per line (or set \(tokensVariable)); re-read on SIGHUP.",
        valueName: "file"))
    var operationsTokenFile: String?

    /// The endpoints of `--protect`, and the operations tokens.
    ///
    /// - Throws: ``SecuritySettingError`` for an unknown endpoint, tokens that cannot be read,
    ///   or endpoints to protect without tokens.
    func operations(environment: [String: String]) throws(SecuritySettingError) -> (endpoints: Set<HTTPAccessControl.Endpoint>, tokens: AccessTokens?) {
        let endpoints = try HTTPAccessControl.endpoints(named: protect)
        let source = try AccessTokenSource.chosen(
            file: operationsTokenFile, option: Self.tokenFileOption, variable: Self.tokensVariable, environment: environment)
        guard let source else { return (endpoints, nil) }
        return (endpoints, try AccessTokens(source: source, environment: environment))
    }
}

extension HTTPAccessControl {
    /// One log line of what needs a token, without any token.
    var summary: String {
        let open = Endpoint.allCases.filter { !isProtected($0) }.map(\.rawValue)
        let closed = Endpoint.allCases.filter(isProtected).map { endpoint in
            "\(endpoint.rawValue) (\(tokens[endpoint]!.count) token\(tokens[endpoint]!.count == 1 ? "" : "s") from \(tokens[endpoint]!.source))"
        }
        return "access: " + (closed.isEmpty ? "no endpoint needs a token" : "tokens needed for " + closed.joined(separator: ", "))
            + (open.isEmpty ? "" : "; open: " + open.joined(separator: ", "))
    }

    /// Logs how the endpoints are protected, and warns of token files other users can read.
    func logStart(_ logger: Logger) {
        logger.info("\(summary)")
        for set in tokenSets { if let exposure = set.exposure { logger.warning("\(exposure)") } }
    }
}
