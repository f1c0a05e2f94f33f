import Foundation
import Glibc

/// A reader of server-sent events over a raw connection: the response head, then the body
/// with its chunked transfer coding undone, cut into events (`event:`, `id:`, `data:` lines
/// ended by a blank line; comments and `retry:` skipped).
final class EventStreamClient {
    struct Event: Equatable {
        var type: String
        var id: String
        var data: String
    }

    let socket: RawHTTP.Socket
    /// The status of the response, once its head is read.
    private(set) var status: Int?
    private(set) var headers: [String: String] = [:]
    private var raw: [UInt8] = []
    private var body: [UInt8] = []
    private var headRead = false

    /// Sends `GET path` with `headers` on a new connection to `port`.
    init?(port: Int, path: String, headers: [String: String] = [:]) {
        guard let socket = RawHTTP.Socket(port: port, timeout: 1) else { return nil }
        self.socket = socket
        let fields = headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)\r\n" }.joined()
        guard socket.send(Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(fields)\r\n".utf8)) else { return nil }
    }

    /// Reads until `count` events arrived, the server closed, or `timeout` seconds passed.
    func events(count: Int, timeout: TimeInterval) -> [Event] {
        let deadline = Date().addingTimeInterval(timeout)
        var parsed = parse()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while parsed.count < count, Date() < deadline {
            // The socket's receive timeout (1 s) bounds each wait.
            let n = chunk.withUnsafeMutableBytes { recv(socket.descriptor, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 { continue }
            raw += chunk[..<n]
            parsed = parse()
        }
        return parsed
    }

    /// The events in what has been read so far.
    private func parse() -> [Event] {
        if !headRead, let end = Self.find([13, 10, 13, 10], in: raw) {
            let head = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            status = head.first.flatMap { Int($0.dropFirst(9).prefix(3)) }
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            raw.removeSubrange(..<(end + 4))
            headRead = true
        }
        guard headRead else { return [] }
        if headers["transfer-encoding"] == "chunked" {
            // Each chunk: its size in hex, CRLF, the bytes, CRLF.
            while let lineEnd = Self.find([13, 10], in: raw),
                  let size = Int(String(decoding: raw[..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "", radix: 16),
                  raw.count >= lineEnd + 2 + size + 2 {
                body += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
                raw.removeSubrange(..<(lineEnd + 2 + size + 2))
            }
        } else {
            body += raw
            raw.removeAll()
        }
        var events: [Event] = []
        for block in String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").dropLast() {
            var event = Event(type: "message", id: "", data: "")
            var isEvent = false
            for line in block.split(separator: "\n") where !line.hasPrefix(":") {
                if line.hasPrefix("event: ") { event.type = String(line.dropFirst(7)) }
                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: ") {
                    event.data += String(line.dropFirst(6))
                    isEvent = true
                }
            }
            if isEvent { events.append(event) }
        }
        return events
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        for i in 0...(bytes.count - pattern.count) where bytes[i] == pattern[0] && Array(bytes[i..<(i + pattern.count)]) == pattern {
            return i
        }
        return nil
    }
}
