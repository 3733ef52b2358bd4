import Glibc
import ProcFS

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
        guard let stat = ProcessStat.read(), let bootTime = ProcFS.bootTimeSeconds() else { return nil }
        var limit = rlimit()
        let maxFiles = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Double(limit.rlim_cur) : 0
        return ProcessStatistics(
            residentMemoryBytes: stat.residentBytes,
            virtualMemoryBytes: stat.virtualBytes,
            cpuSeconds: stat.cpuSeconds,
            openFileDescriptors: Double(ProcFS.countEntries("/proc/self/fd")),
            maxFileDescriptors: maxFiles,
            startTimeSeconds: bootTime + stat.startTicks / ProcFS.ticksPerSecond
        )
    }
}
