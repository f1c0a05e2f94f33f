import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RevisitCore
import Synchronization

/// Requests for the profiles of random users over keep-alive connections to a loopback port,
/// each connection on a thread of its own sending its next request when the answer to the
/// last is in; every request is timed from its send to the last byte of its answer.
struct HTTPLoad: Sendable {
    let port: Int
    let users: [String]
    let requests: Int
    let connections: Int

    struct Result: Sendable {
        var latencies: [Duration]
        /// Requests answered per second, over all connections.
        var rate: Double
    }

    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    func run() async throws -> Result {
        let collected = Collected(connections: connections)
        let perConnection = requests / connections
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            for index in 0..<connections {
                Thread.detachNewThread {
                    do {
                        let result = try load(perConnection, seed: UInt64(index + 1))
                        collected.results.withLock { $0.append(result) }
                    } catch let error as Failure {
                        collected.failure.withLock { $0 = error }
                    } catch {
                        collected.failure.withLock { $0 = Failure(description: "\(error)") }
                    }
                    if collected.remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { finished.resume() }
                }
            }
        }
        if let failure = collected.failure.withLock({ $0 }) { throw failure }
        let all = collected.results.withLock { $0 }
        let seconds = all.map { Double($0.latencies.count) / $0.rate }.max() ?? 1
        return Result(latencies: all.flatMap(\.latencies), rate: Double(all.map(\.latencies.count).reduce(0, +)) / seconds)
    }

    /// What the connections' threads hand back.
    private final class Collected: Sendable {
        let results = Mutex<[Result]>([])
        let failure = Mutex<Failure?>(nil)
        let remaining: Atomic<Int>

        init(connections: Int) {
            remaining = Atomic(connections)
        }
    }

    /// One connection's requests.
    private func load(_ count: Int, seed: UInt64) throws(Failure) -> Result {
        let connection = try Connection(port: port)
        defer { close(connection.descriptor) }
        var random = SplitMix64(seed: seed)
        var latencies: [Duration] = []
        latencies.reserveCapacity(count)
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<count {
            let user = users[Int(random.next() % UInt64(users.count))]
            let start = clock.now
            let status = try connection.get("/api/v1/profiles/\(user)")
            latencies.append(clock.now - start)
            guard status == 200 else { throw Failure(description: "GET /api/v1/profiles/\(user): status \(status)") }
        }
        return Result(latencies: latencies, rate: Double(count) / (clock.now - started).seconds)
    }

    /// A keep-alive HTTP/1.1 connection to 127.0.0.1 that sends a request and reads its whole
    /// answer (a `Content-Length` body) before the next.
    private final class Connection {
        let descriptor: Int32
        private var buffer = [UInt8](repeating: 0, count: 1 << 16)

        init(port: Int) throws(Failure) {
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard descriptor >= 0, connected == 0 else { throw Failure(description: "cannot connect to 127.0.0.1:\(port)") }
            var on: Int32 = 1
            // Small requests go out at once, not after Nagle's delay.
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }

        /// Sends `GET path` and returns the status once the whole answer is read.
        func get(_ path: String) throws(Failure) -> Int {
            let request = Array("GET \(path) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
            let sent = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == request.count else { throw Failure(description: "send failed") }
            var received: [UInt8] = []
            var headEnd: Int?
            var expected = Int.max
            while received.count < expected {
                let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { throw Failure(description: "the server closed the connection") }
                received += buffer[..<n]
                if headEnd == nil, let end = Self.headEnd(received) {
                    headEnd = end
                    let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
                    let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                    expected = end + 4 + length
                }
            }
            guard received.count >= 12, let status = Int(String(decoding: received[9..<12], as: UTF8.self)) else {
                throw Failure(description: "not an HTTP answer")
            }
            return status
        }

        private static func headEnd(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                return i
            }
            return nil
        }
    }
}
