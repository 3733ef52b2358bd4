import Glibc

/// The standard `process_*` metrics, read from Linux's `/proc/self` (what Prometheus' own client
/// libraries export). Reading lists `/proc/self/fd`, which takes time proportional to the open
/// descriptors: call `read()` off the event loop.
struct ProcessStatistics: Sendable {
    var residentMemoryBytes: Double
    var virtualMemoryBytes: Double
    var cpuSeconds: Double
    var openFileDescriptors: Double
    var maxFileDescriptors: Double
    var startTimeSeconds: Double

    /// nil where `/proc` is not available or not in the expected format.
    static func read() -> ProcessStatistics? {
        guard let stat = readFile("/proc/self/stat"), let fields = statFields(stat),
            let system = readFile("/proc/stat"), let bootTime = bootTime(system)
        else { return nil }
        // Field numbers as in proc(5), counted from 1; `fields[0]` is field 3 (state).
        func field(_ number: Int) -> Double { Double(fields[number - 3]) ?? 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        var limit = rlimit()
        let maxFiles = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Double(limit.rlim_cur) : 0
        return ProcessStatistics(
            residentMemoryBytes: field(24) * pageSize,
            virtualMemoryBytes: field(23),
            cpuSeconds: (field(14) + field(15)) / ticks,
            openFileDescriptors: Double(countEntries("/proc/self/fd")),
            maxFileDescriptors: maxFiles,
            startTimeSeconds: bootTime + field(22) / ticks
        )
    }

    /// The fields after `pid (comm)`: the command may contain spaces and parentheses, so split
    /// after its last `)`.
    static func statFields(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        return fields.count >= 22 ? fields : nil
    }

    /// `btime` of `/proc/stat`: boot time in seconds since the epoch.
    static func bootTime(_ stat: String) -> Double? {
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    /// Reads a whole file of unknown size (procfs files report size 0).
    static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries of a directory other than `.` and `..` (the descriptor that lists it included,
    /// as in Prometheus' client libraries).
    static func countEntries(_ path: String) -> Int {
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
