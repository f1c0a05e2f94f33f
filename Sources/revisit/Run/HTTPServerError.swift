import RevisitServer

/// The HTTP server of `revisit run --http` failed: at start, most often because the address
/// is in use or not one of this host's.
struct HTTPServerError: Error, CustomStringConvertible {
    var address: HTTPListenAddress
    var underlying: any Error

    var description: String { "--http \(address): the HTTP server failed: \(underlying)" }
}
