import Foundation
import Glibc
import Testing

/// Runs a program to completion with `posix_spawn`, collecting stdout and stderr together.
///
/// Why not Foundation's `Process`: on Linux its `run()` finds the highest open descriptor by
/// copying whole `dirent`s out of `readdir` (swift-corelibs-foundation's
/// `findMaximumOpenFromProcSelfFD`), which reads past the last record and crashed the test
/// process while another test held ~2000 sockets open. Here the highest descriptor is found by
/// reading each name through a pointer, and every descriptor above stderr is closed in the child
/// (accepted sockets are not close-on-exec).
enum SpawnedProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Blocks the calling thread (call it off the cooperative pool). The child is sent SIGKILL
    /// after `timeout`. Returns the exit status (128 + signal when killed) and the output.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 20) throws -> (status: Int32, output: String) {
        let result = try run(executable, arguments, environment: nil, separateStandardError: false, timeout: timeout)
        return (result.status, result.output)
    }

    /// As above, with the child's environment (nil: this process's), and stderr apart from
    /// stdout when `separateStandardError` (collected through a temporary file, so neither pipe
    /// can fill up while the other is read).
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]?,
        separateStandardError: Bool,
        timeout: TimeInterval = 20
    ) throws -> (status: Int32, output: String, errorOutput: String) {
        let errorFile = separateStandardError
            ? (NSTemporaryDirectory() as NSString).appendingPathComponent("spawned-stderr-\(UUID().uuidString)") : nil
        defer { if let errorFile { unlink(errorFile) } }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw Failure(description: "pipe: errno \(errno)") }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        if let errorFile {
            posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        }
        if let closeFrom = Self.addCloseFrom {
            // Every descriptor from 3 up, as of the spawn itself: none opened meanwhile leaks.
            _ = closeFrom(&actions, 3)
        } else {
            // Closing a descriptor that is not open fails with EBADF, which posix_spawn ignores.
            let highest = max(highestOpenDescriptor(), readEnd, writeEnd) + 64
            for descriptor in 3...highest { posix_spawn_file_actions_addclose(&actions, descriptor) }
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid = pid_t()
        let spawned = envp.map { posix_spawn(&pid, executable, &actions, nil, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, nil, argv, environ)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw Failure(description: "posix_spawn \(executable): error \(spawned)")
        }

        let finished = Locked(false)
        let child = pid
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            finished.withLock { done in if !done { kill(child, SIGKILL) } }
        }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(readEnd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            output.append(contentsOf: chunk[0..<count])
        }
        close(readEnd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        finished.withLock { $0 = true }
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let errorOutput = errorFile.flatMap { FileManager.default.contents(atPath: $0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return (exitStatus, String(decoding: output, as: UTF8.self), errorOutput)
    }

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np` (its header hides it from Swift).
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// The highest descriptor listed in `/proc/self/fd`, names read through a pointer.
    static func highestOpenDescriptor() -> Int32 {
        guard let directory = opendir("/proc/self/fd") else { return Int32(getdtablesize()) }
        defer { closedir(directory) }
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        var highest: Int32 = 2
        while let entry = readdir(directory) {
            let name = UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self)
            if let descriptor = Int32(String(cString: name)) { highest = max(highest, descriptor) }
        }
        return highest
    }
}

/// A value behind a lock (test support; the server's own `Locked` is internal).
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

@Suite struct SpawnedProcessTests {
    @Test func childInheritsNoDescriptorAboveStandardError() throws {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)  // not close-on-exec, like the relay's accepted sockets
        defer { close(ends[0]); close(ends[1]) }
        let result = try SpawnedProcess.run("/bin/sh", ["-c", "exec ls /proc/self/fd"])
        #expect(result.status == 0)
        // 0, 1, 2, and the descriptor ls lists the directory with.
        let listed = result.output.split(separator: "\n").compactMap { Int($0) }
        #expect(listed.count == 4 && listed.allSatisfy { $0 <= 3 }, "\(listed)")
    }

    @Test func exitStatusAndStandardErrorAreReportedApart() throws {
        let result = try SpawnedProcess.run(
            "/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], environment: ["PATH": "/usr/bin:/bin"], separateStandardError: true
        )
        #expect(result.status == 3 && result.output == "out\n" && result.errorOutput == "err\n")
    }
}
