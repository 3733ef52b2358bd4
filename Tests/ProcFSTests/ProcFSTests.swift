import Foundation
import ProcFS
import Testing

@Suite struct ProcFSTests {
    @Test func statOfThisProcessHasCPUTimeMemoryAndAStartTimeToday() throws {
        let stat = try #require(ProcessStat.read())
        #expect(stat.residentBytes > 1_000_000)
        #expect(stat.virtualBytes >= stat.residentBytes)
        #expect(stat.cpuSeconds > 0)
        let bootTime = try #require(ProcFS.bootTimeSeconds())
        let started = bootTime + stat.startTicks / ProcFS.ticksPerSecond
        let now = Date().timeIntervalSince1970
        #expect(started <= now + 1 && started > now - 24 * 3600)
        #expect(ProcessStat.read(pid: getpid()) != nil, "by pid as well")
    }

    @Test func statOfAProcessThatDoesNotExistIsNil() {
        #expect(ProcessStat.read(pid: Int32.max) == nil)
    }

    /// Field 2 is the command in parentheses, and a command may contain both.
    @Test func statFieldsSurviveACommandWithSpacesAndParentheses() throws {
        // Fields 3... after the command: "S", then 4, 5, ... so field n holds the number n.
        let text = "42 (a) b (c) S " + (4...52).map(String.init).joined(separator: " ")
        let stat = try #require(ProcessStat.parse(text))
        #expect(stat == ProcessStat(userTicks: 14, systemTicks: 15, startTicks: 22, virtualBytes: 23, residentPages: 24))
    }

    @Test func truncatedOrMalformedStatIsNil() {
        #expect(ProcessStat.parse("42 (no closing paren S 1 2 3") == nil)
        #expect(ProcessStat.parse("42 (short) S 4 5 6") == nil)
        #expect(ProcessStat.parse("42 (x) S " + (4...52).map { $0 == 14 ? "x" : String($0) }.joined(separator: " ")) == nil)
    }

    @Test func bootTimeIsTheBtimeLine() {
        #expect(ProcFS.bootTime(inSystemStat: "cpu  1 2 3\nbtime 1795600000\nprocesses 9\n") == 1_795_600_000)
        #expect(ProcFS.bootTime(inSystemStat: "cpu  1 2 3\n") == nil)
    }

    /// Every entry but `.` and `..`. (Records are shorter than `dirent`; the count reads names
    /// through a pointer: copying whole `dirent`s once read past the buffer and crashed.)
    @Test func directoryEntriesAreCountedWithoutDotEntries() throws {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("entries-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for index in 0..<300 {
            _ = FileManager.default.createFile(atPath: (directory as NSString).appendingPathComponent("\(index)"), contents: nil)
        }
        #expect(ProcFS.countEntries(directory) == 300)
        #expect(ProcFS.countEntries(directory + "/missing") == 0)
    }
}
