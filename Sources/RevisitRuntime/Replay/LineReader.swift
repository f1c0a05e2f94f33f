#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RevisitCore

/// Errors of the file replay.
public enum ReplayError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case asOfBeforeInput(asOf: Int64, largest: Int64)
    case processor(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        case .asOfBeforeInput(let asOf, let largest):
            "--as-of \(EventTime.format(asOf)) is earlier than the largest event time in the input (\(EventTime.format(largest)))"
        case .processor(let message): message
        }
    }
}

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

/// An output file written through a large buffer.
final class BufferedFileWriter {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private(set) var buffer: [UInt8] = []
    private(set) var records = 0

    init(path: String) throws(ReplayError) {
        guard let file = fopen(path, "wb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    deinit { fclose(file) }

    /// Appends one record line through `encode`.
    func writeLine(_ encode: (inout [UInt8]) -> Void) throws(ReplayError) {
        encode(&buffer)
        buffer.append(0x0A)
        records += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws(ReplayError) {
        guard !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress!, 1, $0.count, file) }
        guard written == buffer.count else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws(ReplayError) {
        try flush()
        guard fflush(file) == 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }
}
