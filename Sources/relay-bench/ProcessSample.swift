#if canImport(Glibc)
import Glibc
#endif

/// One reading of a process's CPU time and resident memory from /proc.
struct ProcessSample {
    var cpuSeconds: Double
    var rssBytes: Int

    /// nil when the process does not exist or /proc is unreadable.
    static func read(pid: Int32) -> ProcessSample? {
        guard let stat = readFile("/proc/\(pid)/stat"), let status = readFile("/proc/\(pid)/status") else { return nil }
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let utime = Double(fields[11]), let stime = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var rss = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            rss = (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return ProcessSample(cpuSeconds: (utime + stime) / ticks, rssBytes: rss)
    }

    /// This process's own CPU time (user + system).
    static func selfCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Before/after readings of the server process around a measured phase.
struct ServerUsage {
    let pid: Int32?
    let before: ProcessSample?

    init(pid: Int32?) {
        self.pid = pid
        self.before = pid.flatMap(ProcessSample.read)
    }

    func finish() -> (before: ProcessSample, after: ProcessSample)? {
        guard let pid, let before, let after = ProcessSample.read(pid: pid) else { return nil }
        return (before, after)
    }
}
