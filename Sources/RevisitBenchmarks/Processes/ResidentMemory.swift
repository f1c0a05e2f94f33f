import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The resident memory of this process, for the memory figures (they are its growth while
/// the measured data is loaded, with the allocator's freed memory given back before each
/// reading), and the peak of a child process.
enum ResidentMemory {
    /// Resident bytes from /proc/self/statm (pages * page size); 0 where it cannot be read.
    static func bytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The most resident bytes this process had since it started or since ``resetPeak()``
    /// (`VmHWM` of /proc/self/status); 0 where it cannot be read.
    static func peakBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }

    /// Starts the peak of ``peakBytes()`` again from the resident memory now (Linux 4.0 on:
    /// `5` written to /proc/self/clear_refs).
    static func resetPeak() {
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    /// What ``runMeasuringPeak(_:_:input:)`` measured of a child process.
    struct ChildUsage {
        var status: Int32
        /// The most resident bytes it had (`ru_maxrss` of its own `wait4`).
        var peakBytes: Int
        /// User and system CPU time.
        var cpuSeconds: Double
    }

    /// Runs `executable` with `arguments` (standard input from `input`, or /dev/null; stdout and
    /// stderr to /dev/null) in this process's environment, and returns its exit status, peak
    /// resident memory and CPU time.
    static func runMeasuringPeak(_ executable: String, _ arguments: [String], input: String? = nil) throws -> ChildUsage {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchmarkFailure("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchmarkFailure("waiting for \(executable): \(String(cString: strerror(errno)))") }
        }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        // ru_maxrss is in kilobytes on Linux.
        return ChildUsage(
            status: (status >> 8) & 0xFF, peakBytes: usage.ru_maxrss * 1024,
            cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime))
    }
}
