/// Where an HTTP server listens, written `HOST:PORT`: `127.0.0.1:9400`, `0.0.0.0:9400`,
/// `[::]:9400`, `localhost:0`; a port alone is on `127.0.0.1`, this host only. Port 0 lets the
/// system choose a free port.
public struct HTTPListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The host of an address given as a port alone: loopback, so that nothing is reachable
    /// from other hosts unless asked for.
    public static let defaultHost = "127.0.0.1"

    /// A host name or IP address; an IPv6 address without its brackets.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT`, with an IPv6 address in brackets, or `PORT` (on ``defaultHost``).
    public init(parsing text: String) throws(HTTPListenAddressError) {
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let port = Int(text), (0...65_535).contains(port) else {
                throw HTTPListenAddressError(text, "the port must be a number from 0 to 65535 (0: any free port)")
            }
            self.init(host: Self.defaultHost, port: port)
            return
        }
        guard let colon = text.lastIndex(of: ":") else { throw HTTPListenAddressError(text, "expected HOST:PORT, or a port alone") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw HTTPListenAddressError(text, "an IPv6 address goes in brackets: [::1]:9400") }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw HTTPListenAddressError(text, "an IPv6 address goes in brackets: [::1]:9400")
        }
        guard !host.isEmpty else { throw HTTPListenAddressError(text, "the host is missing (0.0.0.0 listens on every IPv4 address)") }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw HTTPListenAddressError(text, "the port must be a number from 0 to 65535 (0: any free port)")
        }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether only this host can connect: `localhost`, an IPv4 address of 127.0.0.0/8, `::1`.
    public var isLoopback: Bool {
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered == "::1" || lowered == "0:0:0:0:0:0:0:1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127"
            && parts.allSatisfy { part in part.count <= 3 && (UInt8(part) != nil) }
    }
}

/// A listen address that is not `HOST:PORT`.
public struct HTTPListenAddressError: Error, CustomStringConvertible {
    /// The text as given.
    public var text: String
    public var problem: String

    init(_ text: String, _ problem: String) {
        self.text = text
        self.problem = problem
    }

    public var description: String { "\"\(text)\": \(problem)" }
}
