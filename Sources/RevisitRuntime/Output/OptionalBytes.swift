extension Optional where Wrapped == [UInt8] {
    /// Calls `body` with the bytes, or with nil when there are none (an absent key or value).
    func withUnsafeBytesIfPresent<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        guard let bytes = self else { return body(nil) }
        return bytes.withUnsafeBytes { body($0) }
    }
}
