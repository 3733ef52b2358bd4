// Module ProcFS: the Linux /proc readers that the relay's /metrics and relay-bench share (a
// process's CPU time, memory and start time; boot time; open descriptors). Plain file reads and
// parsing, no NIO and no Foundation; the readers return nil (a count: 0) where /proc is missing
// or in an unexpected format.

#if canImport(Glibc)
import Glibc
#endif

/// Helpers over /proc files and this machine's units.
public enum ProcFS {
    /// Clock ticks per second (the unit of the times in `/proc/<pid>/stat`).
    public static var ticksPerSecond: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }

    /// Bytes per memory page (the unit of the resident set in `/proc/<pid>/stat`).
    public static var pageSize: Double { Double(sysconf(Int32(_SC_PAGESIZE))) }

    /// `btime` of `/proc/stat`: boot time in seconds since the epoch.
    public static func bootTimeSeconds() -> Double? {
        readFile("/proc/stat").flatMap(bootTime(inSystemStat:))
    }

    /// `btime` from the text of `/proc/stat`.
    public static func bootTime(inSystemStat stat: String) -> Double? {
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    /// Reads a whole file of unknown size (procfs files report size 0).
    public static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries of a directory other than `.` and `..` (for `/proc/self/fd`: the descriptor that
    /// lists it included, as in Prometheus' client libraries).
    public static func countEntries(_ path: String) -> Int {
        guard let directory = opendir(path) else { return 0 }
        defer { closedir(directory) }
        // A record is only as long as its name (`d_reclen`), not `MemoryLayout<dirent>.size`: read
        // the name through a pointer, never by copying `entry.pointee` (that reads past the record).
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var count = 0
        while let entry = readdir(directory) {
            let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: UInt8.self)
            let isDot = name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            if !isDot { count += 1 }
        }
        return count
    }
}
