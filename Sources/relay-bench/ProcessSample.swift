#if canImport(Glibc)
import Glibc
#endif
import ProcFS

/// One reading of a process's CPU time and resident memory from /proc.
struct ProcessSample {
    var cpuSeconds: Double
    var rssBytes: Int

    /// nil when the process does not exist or /proc is unreadable.
    static func read(pid: Int32) -> ProcessSample? {
        guard let stat = ProcessStat.read(pid: pid) else { return nil }
        return ProcessSample(cpuSeconds: stat.cpuSeconds, rssBytes: Int(stat.residentBytes))
    }

    /// This process's own CPU time (user + system).
    static func selfCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
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
