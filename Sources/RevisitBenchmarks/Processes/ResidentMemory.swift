import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The resident memory of this process, for the memory figures (they are its growth while
/// the measured data is loaded, with the allocator's freed memory given back before each
/// reading).
enum ResidentMemory {
    /// Resident bytes from /proc/self/statm (pages * page size); 0 where it cannot be read.
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
