import Glibc

/// The lines of a file descriptor (standard input by default), waited for with `poll` and a
/// timeout, so that one thread can take commands and check for signals in turn.
///
/// Not `Sendable`: it buffers a partial line between calls.
struct LineInput {
    /// What ``next(timeoutMilliseconds:)`` found.
    enum Event: Equatable {
        /// A complete line, without its `\n` (or `\r\n`).
        case line(String)
        /// No complete line yet: nothing arrived within the timeout, or only part of a line.
        case waiting
        /// The input is closed and every line has been handed out.
        case ended
    }

    /// A line longer than this without a newline is handed out as it is, so that a writer
    /// that never sends a newline cannot grow the buffer without bound.
    static let maximumLineBytes = 64 * 1024

    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var isClosed = false

    init(descriptor: Int32 = STDIN_FILENO) {
        self.descriptor = descriptor
    }

    /// The next line, waiting at most `timeoutMilliseconds` for input. A last line without a
    /// newline counts once the input is closed. End of input, a read error and a descriptor
    /// that is not open (stdin closed before start) all end the input.
    mutating func next(timeoutMilliseconds: Int32) -> Event {
        if let line = takeLine() { return .line(line) }
        if isClosed { return takeRemainder() }
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, timeoutMilliseconds)
        if ready == 0 || (ready < 0 && errno == EINTR) { return .waiting }
        if ready < 0 || entry.revents & Int16(POLLNVAL) != 0 {
            isClosed = true
            return takeRemainder()
        }
        // POLLIN or POLLHUP: a read does not block, and returns 0 at end of input.
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = read(descriptor, &chunk, chunk.count)
        if count > 0 {
            buffer += chunk[0..<count]
        } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
            isClosed = true
        }
        if let line = takeLine() { return .line(line) }
        return isClosed ? takeRemainder() : .waiting
    }

    // MARK: - Buffer

    private mutating func takeLine() -> String? {
        guard let newline = buffer.firstIndex(of: 0x0A) else {
            guard buffer.count >= Self.maximumLineBytes else { return nil }
            defer { buffer.removeAll() }
            return String(decoding: buffer, as: UTF8.self)
        }
        var line = buffer[..<newline]
        if line.last == 0x0D { line = line.dropLast() }
        defer { buffer.removeSubrange(...newline) }
        return String(decoding: line, as: UTF8.self)
    }

    private mutating func takeRemainder() -> Event {
        guard !buffer.isEmpty else { return .ended }
        defer { buffer.removeAll() }
        return .line(String(decoding: buffer, as: UTF8.self))
    }
}
