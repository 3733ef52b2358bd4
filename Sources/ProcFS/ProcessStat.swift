#if canImport(Glibc)
import Glibc
#endif

/// One reading of `/proc/<pid>/stat` (proc(5)): the fields the relay's metrics and relay-bench
/// need, in the file's units.
public struct ProcessStat: Sendable, Equatable {
    /// Fields 14 and 15: CPU time in user and kernel mode, in clock ticks.
    public var userTicks: Double
    public var systemTicks: Double
    /// Field 22: start time after boot, in clock ticks.
    public var startTicks: Double
    /// Field 23: virtual memory size in bytes.
    public var virtualBytes: Double
    /// Field 24: resident set size in pages.
    public var residentPages: Double

    public init(userTicks: Double, systemTicks: Double, startTicks: Double, virtualBytes: Double, residentPages: Double) {
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.startTicks = startTicks
        self.virtualBytes = virtualBytes
        self.residentPages = residentPages
    }

    /// User + system CPU time in seconds.
    public var cpuSeconds: Double { (userTicks + systemTicks) / ProcFS.ticksPerSecond }

    /// Resident set size in bytes.
    public var residentBytes: Double { residentPages * ProcFS.pageSize }

    /// This process (`pid` nil) or another one; nil when it does not exist or /proc is unreadable.
    public static func read(pid: Int32? = nil) -> ProcessStat? {
        ProcFS.readFile(pid.map { "/proc/\($0)/stat" } ?? "/proc/self/stat").flatMap(parse)
    }

    /// Parses the text of a stat file. The command name (field 2) may contain spaces and
    /// parentheses, so the fields are split after its last `)`.
    public static func parse(_ stat: String) -> ProcessStat? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 22 else { return nil }
        // proc(5) numbers fields from 1; `fields[0]` is field 3 (the state).
        func field(_ number: Int) -> Double? { Double(fields[number - 3]) }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23), let resident = field(24) else {
            return nil
        }
        return ProcessStat(userTicks: user, systemTicks: system, startTicks: start, virtualBytes: virtual, residentPages: resident)
    }
}
