import Foundation
import Glibc
import TestProcessSupport
import Testing

/// `SpawnedProcess`, which every child of these tests goes through: what the child inherits, how
/// its end is reported, and that spawning survives the descriptor counts the relay tests reach.
@Suite struct SpawnedProcessTests {
    /// Descriptors in the child, as `ls /proc/self/fd` lists them (0, 1, 2 and ls's own directory).
    static func childDescriptors() throws -> [Int] {
        let result = try SpawnedProcess.runBlocking("/bin/sh", ["-c", "exec ls /proc/self/fd"])
        #expect(result.status == 0, "\(result.output)")
        return result.output.split(separator: "\n").compactMap { Int($0) }
    }

    @Test func childInheritsNoDescriptorAboveStandardError() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)  // not close-on-exec, like the relay's accepted sockets
        defer { close(ends[0]); close(ends[1]) }
        let listed = try Self.childDescriptors()
        #expect(listed.count == 4 && listed.allSatisfy { $0 <= 3 }, "\(listed)")
    }

    /// The regression test for the SIGSEGV Foundation's `Process.run()` caused while the
    /// 1000-viewer test held thousands of sockets.
    @Test func spawningWhileThousandsOfDescriptorsAreOpenSucceeds() throws {
        let pairs = 1500
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        if limit.rlim_cur < limit.rlim_max, limit.rlim_cur < 8192 {
            limit.rlim_cur = min(limit.rlim_max, 8192)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }
        var open: [Int32] = []
        defer { for descriptor in open { close(descriptor) } }
        for _ in 0..<pairs {
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0 else { break }
            open += ends
        }
        try #require(open.count == 2 * pairs, "opened only \(open.count) descriptors (errno \(errno))")
        #expect(SpawnedProcess.highestOpenDescriptor() >= open.max()!)

        #expect(try SpawnedProcess.runBlocking("/bin/true", []).termination == .init(reason: .exit, code: 0))
        let listed = try Self.childDescriptors()
        #expect(listed.count == 4 && listed.allSatisfy { $0 <= 3 }, "\(listed)")
    }

    @Test func exitStatusAndStandardErrorAreReportedApart() throws {
        let result = try SpawnedProcess.runBlocking(
            "/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], environment: ["PATH": "/usr/bin:/bin"], separateStandardError: true
        )
        #expect(result.termination == .init(reason: .exit, code: 3))
        #expect(result.output == "out\n" && result.errorOutput == "err\n")
    }

    @Test func environmentAndWorkingDirectoryReachTheChild() throws {
        let result = try SpawnedProcess.runBlocking(
            "/bin/sh", ["-c", "echo \"$GREETING\"; pwd"], environment: ["GREETING": "hello"], workingDirectory: "/tmp"
        )
        #expect(result.status == 0 && result.output == "hello\n/tmp\n", "\(result.output)")
    }

    @Test func childOutlivingItsTimeoutIsKilled() throws {
        let result = try SpawnedProcess.runBlocking("/bin/sleep", ["30"], timeout: 0.3)
        #expect(result.timedOut && result.termination == .init(reason: .uncaughtSignal, code: SIGKILL))
        #expect(result.status == 128 + SIGKILL)
    }

    @Test func signalledChildReportsTheSignalEvenIfTheTestThreadBlocksIt() throws {
        // The child starts with an empty signal mask, whatever the spawning thread blocks.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let process = try SpawnedProcess.launch("/bin/sleep", ["30"], standardOutput: .discard, standardError: .discard)
        #expect(process.isRunning)
        process.signal(SIGTERM)
        #expect(process.waitUntilExit() == .init(reason: .uncaughtSignal, code: SIGTERM))
        #expect(!process.isRunning)
    }

    @Test func standardInputPipeAndOutputLinesConverse() throws {
        let process = try SpawnedProcess.launch("/bin/sh", ["-c", "echo ready; read answer; echo \"got $answer\""], standardInput: .pipe)
        #expect(process.readStandardOutputLine() == "ready")
        try process.write(toStandardInput: "go\n")
        #expect(process.readStandardOutputLine() == "got go")
        #expect(process.readStandardOutputLine() == nil)
        #expect(process.waitUntilExit().status == 0)
    }
}
