#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
