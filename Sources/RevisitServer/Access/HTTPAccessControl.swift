/// Which endpoints of a Revisit HTTP server need a bearer token, and which tokens open them.
///
/// `revisit serve` protects its API (``Endpoint/api``: profiles, the alert stream, the daily
/// figures the dashboard draws) with its own tokens; `/metrics`, `/healthz` and `/readyz`
/// stay open unless listed, and then take the operations tokens, so that a scraper or a
/// probe never holds a token that reads users. The dashboard's page and assets hold no data
/// and stay open: the page asks for a token and sends it with every API request.
public struct HTTPAccessControl: Sendable {
    /// An endpoint, or a group of them, that can be put behind tokens.
    public enum Endpoint: String, Sendable, CaseIterable, Comparable {
        /// Everything under `/api/` (`revisit serve`).
        case api
        case metrics
        case healthz
        case readyz

        /// The endpoints `--protect` names.
        public static let operations: [Endpoint] = [.metrics, .healthz, .readyz]

        public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The tokens of each protected endpoint; an endpoint without an entry is open.
    public var tokens: [Endpoint: AccessTokens]

    public init(tokens: [Endpoint: AccessTokens] = [:]) {
        self.tokens = tokens
    }

    /// Every endpoint open.
    public static let open = HTTPAccessControl()

    /// The tokens of `api`, and `operations` for each of `protected`.
    ///
    /// - Throws: ``SecuritySettingError/protectedWithoutTokens(endpoints:option:variable:)``
    ///   when endpoints are to be protected and `operations` is nil.
    public init(
        api: AccessTokens?, operations: AccessTokens?, protecting protected: Set<Endpoint>,
        operationsOption: String = "--operations-token-file", operationsVariable: String = "REVISIT_OPERATIONS_TOKENS"
    ) throws(SecuritySettingError) {
        var tokens: [Endpoint: AccessTokens] = [:]
        tokens[.api] = api
        let named = protected.filter { $0 != .api }.sorted()
        if !named.isEmpty {
            guard let operations else {
                throw .protectedWithoutTokens(
                    endpoints: named.map(\.rawValue), option: operationsOption, variable: operationsVariable)
            }
            for endpoint in named { tokens[endpoint] = operations }
        }
        self.init(tokens: tokens)
    }

    /// Whether `endpoint` needs a token.
    public func isProtected(_ endpoint: Endpoint) -> Bool { tokens[endpoint] != nil }

    /// Each distinct set of tokens once (to reload them).
    public var tokenSets: [AccessTokens] {
        var seen: [ObjectIdentifier: AccessTokens] = [:]
        for (_, set) in tokens.sorted(by: { $0.key < $1.key }) { seen[ObjectIdentifier(set)] = set }
        return Array(seen.values)
    }

    /// The token of an `Authorization` value with the `Bearer` scheme (any case), else nil.
    static func bearerToken(_ value: String) -> Substring? {
        let trimmed = value.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).drop { $0 == " " }
        let end = token.lastIndex { $0 != " " }.map { token.index(after: $0) } ?? token.startIndex
        let bare = token[..<end]
        return bare.isEmpty ? nil : bare
    }

    /// Reads `--protect`'s values: names of ``Endpoint/operations``, repeated or separated by commas.
    public static func endpoints(named values: [String]) throws(SecuritySettingError) -> Set<Endpoint> {
        var endpoints: Set<Endpoint> = []
        let known = Endpoint.operations.map(\.rawValue)
        for value in values {
            for name in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let endpoint = Endpoint(rawValue: name.hasPrefix("/") ? String(name.dropFirst()) : name),
                      endpoint != .api else {
                    throw .unknownEndpoint(name: name, known: known)
                }
                endpoints.insert(endpoint)
            }
        }
        return endpoints
    }
}
