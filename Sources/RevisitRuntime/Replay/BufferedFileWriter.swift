#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RevisitCore

/// An output file written through a large buffer, with `write(2)`.
///
/// A replay writes its output files this way; a concurrent topic replay also writes each
/// partition's records to files of their own this way (``keepsOpen`` false: opened for each
/// flush, so that a topic of many partitions holds no descriptor per file), then appends
/// them to the output files in partition order with ``append(contentsOf:)``.
final class BufferedFileWriter {
    let path: String
    /// Whether the file stays open from creation to deinit; otherwise it is created at the
    /// first flush and opened to append at each one.
    let keepsOpen: Bool
    private var descriptor: Int32 = -1
    private let flushBytes: Int
    private var buffer: JSONBuffer
    private(set) var records = 0
    /// Whether anything reached the file (a file that is not kept open exists only then).
    private(set) var hasWritten = false

    /// Creates (or empties) the file at `path` when `keepsOpen`; buffers up to `flushBytes`.
    init(path: String, flushBytes: Int = 1 << 20, keepsOpen: Bool = true) throws(ReplayError) {
        self.path = path
        self.keepsOpen = keepsOpen
        self.flushBytes = flushBytes
        // The buffer grows to the flush size only where records come: a partition's file of
        // a kind it never writes costs no memory.
        buffer = JSONBuffer(capacity: keepsOpen ? 2 * flushBytes : 4096)
        if keepsOpen { descriptor = try Self.open(path, O_TRUNC) }
    }

    deinit {
        if descriptor >= 0 { closeDescriptor(descriptor) }
    }

    private static func open(_ path: String, _ mode: Int32) throws(ReplayError) -> Int32 {
        let descriptor = openDescriptor(path, O_WRONLY | O_CREAT | mode)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        return descriptor
    }

    /// Appends one record line through `encode`.
    func writeLine(_ encode: (inout JSONBuffer) -> Void) throws(ReplayError) {
        encode(&buffer)
        buffer.byte(0x0A)
        records += 1
        if buffer.count >= flushBytes { try flush() }
    }

    func flush() throws(ReplayError) {
        guard buffer.count > 0 else { return }
        let target = keepsOpen ? descriptor : try Self.open(path, O_APPEND)
        defer { if !keepsOpen { closeDescriptor(target) } }
        let failure = buffer.withBytes { bytes in Self.writeAll(bytes, to: target) }
        if let failure { throw .writeFailed(path: path, reason: failure) }
        buffer.removeAll()
        hasWritten = true
    }

    /// Flushes what is buffered; the file stays usable.
    func close() throws(ReplayError) {
        try flush()
    }

    /// Appends the file at `path`, which holds `records` records, after what this file
    /// holds. Nothing to do when `records` is 0 (such a file may not exist).
    func append(contentsOf path: String, records: Int) throws(ReplayError) {
        guard records > 0 else { return }
        try flush()
        let source = openDescriptor(path, O_RDONLY)
        guard source >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { closeDescriptor(source) }
        let target = keepsOpen ? descriptor : try Self.open(self.path, O_APPEND)
        defer { if !keepsOpen { closeDescriptor(target) } }
        if let failure = Self.copyAll(from: source, to: target) {
            throw .writeFailed(path: self.path, reason: "appending \(path): \(failure)")
        }
        self.records += records
        hasWritten = true
    }

    /// Removes the file (a partition's file once appended).
    func remove() {
        unlink(path)
    }

    // MARK: - System calls

    /// Writes every byte, or returns why it could not.
    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> String? {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            offset += written
        }
        return nil
    }

    /// Copies from the current position of `source` to its end, in the kernel where it can
    /// (the bytes of a partition's file do not pass through this process).
    private static func copyAll(from source: Int32, to target: Int32) -> String? {
        #if os(Linux)
        while true {
            let copied = sendfile(target, source, nil, 1 << 30)
            if copied == 0 { return nil }
            if copied > 0 { continue }
            if errno == EINTR { continue }
            // Not for these files: copy through a buffer, from where sendfile stopped.
            guard errno == EINVAL || errno == ENOSYS else { return String(cString: strerror(errno)) }
            break
        }
        #endif
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(source, buffer.baseAddress!, chunk)
            if count == 0 { return nil }
            if count < 0 {
                if errno == EINTR { continue }
                return String(cString: strerror(errno))
            }
            if let failure = writeAll(UnsafeRawBufferPointer(rebasing: buffer[..<count]), to: target) { return failure }
        }
    }
}

// MARK: - Descriptors

// At file scope, where `open` and `close` are the system's and not the writer's own.

private func openDescriptor(_ path: String, _ flags: Int32) -> Int32 {
    open(path, flags | O_CLOEXEC, 0o666)
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}
