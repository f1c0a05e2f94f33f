#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RevisitCore

/// An output file written through a large buffer.
final class BufferedFileWriter {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var buffer = JSONBuffer(capacity: 1 << 21)
    private(set) var records = 0

    init(path: String) throws(ReplayError) {
        guard let file = fopen(path, "wb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.file = file
    }

    deinit { fclose(file) }

    /// Appends one record line through `encode`.
    func writeLine(_ encode: (inout JSONBuffer) -> Void) throws(ReplayError) {
        encode(&buffer)
        buffer.byte(0x0A)
        records += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws(ReplayError) {
        guard buffer.count > 0 else { return }
        let written = buffer.withBytes { fwrite($0.baseAddress!, 1, $0.count, file) }
        guard written == buffer.count else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
        buffer.removeAll()
    }

    func close() throws(ReplayError) {
        try flush()
        guard fflush(file) == 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }
}
