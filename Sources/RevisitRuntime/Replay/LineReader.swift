#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file line by line in large chunks; lines are handed out as raw bytes without
/// their `\n`.
final class LineReader {
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var eof = false

    init(path: String, chunkSize: Int = 1 << 20) throws(ReplayError) {
        guard let file = fopen(path, "rb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.file = file
        self.buffer = [UInt8](repeating: 0, count: chunkSize)
    }

    deinit { fclose(file) }

    /// Calls `body` with the next line; returns false at the end of the file.
    func nextLine(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        while true {
            if let newline = findNewline() {
                buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<newline])) }
                start = newline + 1
                return true
            }
            if eof {
                guard start < end else { return false }
                buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                start = end
                return true
            }
            refill()
        }
    }

    private func findNewline() -> Int? {
        buffer.withUnsafeBytes { raw -> Int? in
            guard start < end, let base = raw.baseAddress else { return nil }
            guard let p = memchr(base + start, 0x0A, end - start) else { return nil }
            return UnsafeRawPointer(p) - UnsafeRawPointer(base)
        }
    }

    private func refill() {
        // Keep the partial line, growing the buffer when one line fills it.
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        let read = buffer.withUnsafeMutableBytes { raw in
            fread(raw.baseAddress! + end, 1, raw.count - end, file)
        }
        if read == 0 { eof = true }
        end += read
    }
}

