import Foundation
import Glibc

/// HTTP/1.1 over a plain socket to a loopback port: well-formed requests and the hostile
/// kinds a client library would refuse to send (a 10 MB URL, a request trickled byte by byte,
/// garbage).
enum RawHTTP {
    /// A response: the status of its first line, its header fields (names in lower case) and
    /// everything after the head.
    struct Response {
        var status: Int
        var body: String
        var headers: [String: String] = [:]
    }

    /// `GET path` with `Connection: close` and `headers`; nil when the connection failed or
    /// closed without a response within `timeout` seconds.
    static func get(port: Int, path: String, headers: [String: String] = [:], timeout: TimeInterval = 10) -> Response? {
        let fields = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined()
        return request(
            port: port, Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(fields)Connection: close\r\n\r\n".utf8), timeout: timeout)
    }

    /// Sends `bytes` on a new connection and reads until the server closes it.
    static func request(port: Int, _ bytes: [UInt8], timeout: TimeInterval = 10) -> Response? {
        guard let socket = Socket(port: port, timeout: timeout) else { return nil }
        defer { socket.close() }
        _ = socket.send(bytes)
        return parse(socket.readToEnd())
    }

    /// The status and body of a response read whole, nil when it is not one.
    static func parse(_ data: [UInt8]) -> Response? {
        let text = String(decoding: data, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else { return nil }
        let end = text.range(of: "\r\n\r\n")
        let body = end.map { String(text[$0.upperBound...]) } ?? ""
        var headers: [String: String] = [:]
        for line in text[..<(end?.lowerBound ?? text.endIndex)].components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: status, body: body, headers: headers)
    }

    /// A connected TCP socket to 127.0.0.1 whose sends and receives give up after a timeout.
    final class Socket {
        let descriptor: Int32
        private var closed = false

        init?(port: Int, timeout: TimeInterval) {
            descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { return nil }
            var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else {
                Glibc.close(descriptor)
                return nil
            }
        }

        /// Sends everything, or as much as the peer took before it closed; false on an error.
        @discardableResult
        func send(_ bytes: [UInt8]) -> Bool {
            var sent = 0
            while sent < bytes.count {
                // MSG_NOSIGNAL: a peer that closed gives EPIPE, not SIGPIPE.
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return false }
                sent += n
            }
            return true
        }

        /// Reads until the peer closes, an error, or the receive timeout.
        func readToEnd() -> [UInt8] {
            var data: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return data }
                data += chunk[..<n]
            }
        }

        /// Reads one response whole (its head and `Content-Length` bytes of body), leaving
        /// the connection open; nil when it ends or times out first.
        func readResponse() -> Response? {
            var data: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let text = String(decoding: data, as: UTF8.self)
                if let head = text.range(of: "\r\n\r\n") {
                    let length = text[..<head.lowerBound].split(separator: "\r\n")
                        .first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    if text.utf8.count - text.utf8.distance(from: text.startIndex, to: head.upperBound) >= length {
                        return RawHTTP.parse(data)
                    }
                }
                let n = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return nil }
                data += chunk[..<n]
            }
        }

        /// Whether the peer closed the connection: a read finds the end (0 bytes) or a reset,
        /// rather than nothing yet (waiting at most `timeout` seconds).
        func peerClosed(within timeout: TimeInterval) -> Bool {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { return false }
            var byte: UInt8 = 0
            return recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT)) <= 0
        }

        func close() {
            guard !closed else { return }
            closed = true
            Glibc.close(descriptor)
        }

        deinit { close() }
    }
}
