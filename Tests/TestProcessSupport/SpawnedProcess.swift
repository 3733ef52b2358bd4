// TestProcessSupport: child processes for the test targets (the `share-relay` executable, Python
// `websockets` peers, `openssl`), spawned with `posix_spawn`, and the rule that finds the test Python.
//
// Why not Foundation's `Process`: on Linux its `run()` finds the highest open descriptor by copying
// whole `dirent`s out of `readdir` (swift-corelibs-foundation's `findMaximumOpenFromProcSelfFD`),
// which reads past the last record. All test targets run in one process and Swift Testing runs
// tests in parallel, so while one test held thousands of sockets (the 1000-viewer relay test) a
// `Process.run()` elsewhere crashed the whole test process with SIGSEGV. Here every descriptor above
// stderr is closed in the child with glibc's `closefrom` file action (accepted sockets are not
// close-on-exec), and the child starts with default signal handling and an empty signal mask.
//
// Must not: depend on any ShareRelay module, or run a child on the cooperative thread pool (the
// blocking calls say so; `run` and `onOwnThread` move them to a thread of their own).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`. Its pipes (when asked for) are owned by this value
/// and closed when it goes away; a child still running then is killed and reaped, so no test
/// leaves a process behind. Reading and writing a stream is for one thread at a time; signalling
/// and waiting are safe from any thread.
public final class SpawnedProcess: @unchecked Sendable {
    /// Where a child's standard input comes from.
    public enum Input: Sendable {
        /// `/dev/null`: the child reads end-of-file at once.
        case empty
        /// A pipe written with `write(toStandardInput:)` and closed with `closeStandardInput()`.
        case pipe
    }

    /// Where a child's standard output or standard error goes.
    public enum Output: Sendable {
        /// `/dev/null`.
        case discard
        /// A pipe read with `readStandardOutput()` / `readStandardError()`.
        case pipe
        /// For standard error only: the same pipe (or file) as standard output.
        case standardOutput
    }

    /// How a child ended: `.exit` with its exit code, or `.uncaughtSignal` with the signal number
    /// (the same two cases and meaning of `code` as Foundation's `terminationReason`/`terminationStatus`).
    public struct Termination: Sendable, Equatable, CustomStringConvertible {
        public enum Reason: Sendable, Equatable { case exit, uncaughtSignal }
        public var reason: Reason
        public var code: Int32

        /// The shell's convention in one number: the exit code, or 128 + the signal.
        public var status: Int32 { reason == .exit ? code : 128 + code }

        public var description: String { reason == .exit ? "exit \(code)" : "signal \(code)" }

        /// Decodes a `waitpid` status (WIFEXITED/WEXITSTATUS/WTERMSIG are C macros Swift cannot import).
        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            self = signal == 0 ? Termination(reason: .exit, code: (waitStatus >> 8) & 0xff) : Termination(reason: .uncaughtSignal, code: signal)
        }

        public init(reason: Reason, code: Int32) {
            self.reason = reason
            self.code = code
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public let processIdentifier: pid_t
    /// The parent's ends of the pipes asked for (-1 when none); closed by `deinit`.
    private var standardInput: Int32
    private let standardOutput: Int32
    private let standardError: Int32
    private var bufferedOutput: [UInt8] = []

    /// Guards `termination`: once the child is reaped its pid may be reused, so `signal` must
    /// never send after that.
    private let lock = NSLock()
    private var termination: Termination?

    private init(processIdentifier: pid_t, standardInput: Int32, standardOutput: Int32, standardError: Int32) {
        self.processIdentifier = processIdentifier
        self.standardInput = standardInput
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    deinit {
        if isRunning {
            signal(SIGKILL)
            _ = waitUntilExit()
        }
        for descriptor in [standardInput, standardOutput, standardError] where descriptor >= 0 { close(descriptor) }
    }

    /// Starts `executable` (a path; no `PATH` search) with `arguments`, in `environment` (nil: this
    /// process's) and `workingDirectory` (nil: this process's). Inherits no descriptor but 0, 1, 2.
    public static func launch(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        standardInput: Input = .empty,
        standardOutput: Output = .pipe,
        standardError: Output = .standardOutput
    ) throws -> SpawnedProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Pipes are close-on-exec here (another thread may spawn meanwhile); dup2 into 0-2 clears it.
        // (`pipe2` with O_CLOEXEC is a GNU extension Swift's Glibc module does not import.)
        var parentEnds: [Int32] = []
        var childEnds: [Int32] = []
        defer { for descriptor in childEnds { close(descriptor) } }
        func makePipe(childReads: Bool) throws -> (parent: Int32, child: Int32) {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else {
                for descriptor in parentEnds { close(descriptor) }
                throw Failure("pipe: errno \(errno)")
            }
            for descriptor in ends { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
            let pair = childReads ? (parent: ends[1], child: ends[0]) : (parent: ends[0], child: ends[1])
            parentEnds.append(pair.parent)
            childEnds.append(pair.child)
            return pair
        }

        var inputEnd: Int32 = -1
        switch standardInput {
        case .empty: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .pipe:
            let pair = try makePipe(childReads: true)
            inputEnd = pair.parent
            posix_spawn_file_actions_adddup2(&actions, pair.child, 0)
        }
        var outputEnd: Int32 = -1
        switch standardOutput {
        case .discard, .standardOutput: posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        case .pipe:
            let pair = try makePipe(childReads: false)
            outputEnd = pair.parent
            posix_spawn_file_actions_adddup2(&actions, pair.child, 1)
        }
        var errorEnd: Int32 = -1
        switch standardError {
        case .discard: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .standardOutput: posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .pipe:
            let pair = try makePipe(childReads: false)
            errorEnd = pair.parent
            posix_spawn_file_actions_adddup2(&actions, pair.child, 2)
        }
        if let workingDirectory {
            guard let addChdir = GlibcExtensions.addChdir else { throw Failure("posix_spawn_file_actions_addchdir_np is missing") }
            _ = addChdir(&actions, workingDirectory)
        }
        if let closeFrom = GlibcExtensions.addCloseFrom {
            // Every descriptor from 3 up as of the spawn itself, so none opened meanwhile leaks.
            _ = closeFrom(&actions, 3)
        } else {
            // Closing a descriptor that is not open fails with EBADF, which posix_spawn ignores.
            let highest = highestOpenDescriptor() + 64
            for descriptor in 3...highest { posix_spawn_file_actions_addclose(&actions, descriptor) }
        }

        // A test thread may block signals (SIGTERM, SIGPIPE) or ignore them; the child must not inherit that.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }
        var pid = pid_t()
        let spawned = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            for descriptor in parentEnds { close(descriptor) }
            throw Failure("posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        return SpawnedProcess(processIdentifier: pid, standardInput: inputEnd, standardOutput: outputEnd, standardError: errorEnd)
    }

    // MARK: Signals and termination

    /// Sends `signal`, unless the child has already been reaped (its pid may belong to another process then).
    public func signal(_ signal: Int32) {
        lock.withLock { if termination == nil { _ = kill(processIdentifier, signal) } }
    }

    /// Sends SIGKILL after `timeout` unless the child has ended by then (a watchdog for a test's child).
    public func killAfter(_ timeout: TimeInterval) {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in self?.signal(SIGKILL) }
    }

    /// Whether the child has not ended yet (reaps it if it has).
    public var isRunning: Bool { lock.withLock { reapIfEnded() } == nil }

    /// Blocks the calling thread until the child ends. Call it off the cooperative pool.
    public func waitUntilExit() -> Termination {
        // Wait without reaping (WNOWAIT), then reap under the lock, so `signal` never races a pid reuse.
        var info = siginfo_t()
        while waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
        return lock.withLock { reapIfEnded() } ?? Termination(reason: .exit, code: -1)
    }

    /// Called with `lock` held.
    private func reapIfEnded() -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(processIdentifier, &status, WNOHANG) } while reaped == -1 && errno == EINTR
        guard reaped == processIdentifier else { return nil }
        termination = Termination(waitStatus: status)
        return termination
    }

    // MARK: Streams

    /// The next bytes the child wrote to standard output (blocks until some arrive); empty at end-of-file.
    public func readStandardOutput() -> [UInt8] {
        if !bufferedOutput.isEmpty {
            defer { bufferedOutput.removeAll() }
            return bufferedOutput
        }
        return Self.readSome(standardOutput)
    }

    /// The next line of standard output without its newline; the last unterminated text at
    /// end-of-file; nil after that.
    public func readStandardOutputLine() -> String? {
        while true {
            if let newline = bufferedOutput.firstIndex(of: UInt8(ascii: "\n")) {
                defer { bufferedOutput.removeSubrange(...newline) }
                return String(decoding: bufferedOutput[..<newline], as: UTF8.self)
            }
            let chunk = Self.readSome(standardOutput)
            if chunk.isEmpty {
                guard !bufferedOutput.isEmpty else { return nil }
                defer { bufferedOutput.removeAll() }
                return String(decoding: bufferedOutput, as: UTF8.self)
            }
            bufferedOutput += chunk
        }
    }

    /// The next bytes the child wrote to standard error (when `.pipe`); empty at end-of-file.
    public func readStandardError() -> [UInt8] { Self.readSome(standardError) }

    /// Writes all of `text` to the child's standard input (when `.pipe`).
    public func write(toStandardInput text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(standardInput, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure("write to standard input: errno \(errno)")
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Closes the child's standard input, so it reads end-of-file.
    public func closeStandardInput() {
        if standardInput >= 0 { close(standardInput) }
        standardInput = -1
    }

    /// Drains standard output and standard error (those that are pipes) together until both reach
    /// end-of-file, so neither can fill up while the other is read. After `deadline` the child is
    /// killed, and reading stops a second later even if a grandchild still holds a pipe open.
    func collectOutput(until deadline: Date) -> (output: [UInt8], errorOutput: [UInt8], timedOut: Bool) {
        var output = bufferedOutput
        bufferedOutput.removeAll()
        var errorOutput: [UInt8] = []
        var open = [standardOutput, standardError].filter { $0 >= 0 }
        var timedOut = false
        var giveUp = Date.distantFuture
        while !open.isEmpty, Date() < giveUp {
            if !timedOut, Date() >= deadline {
                timedOut = true
                signal(SIGKILL)
                giveUp = Date() + 1
            }
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = max(0, min(timedOut ? giveUp : deadline, Date() + 3600).timeIntervalSinceNow)
            let ready = poll(&polled, nfds_t(polled.count), Int32(wait * 1000) + 1)
            if ready < 0, errno != EINTR { break }
            for entry in polled where entry.revents != 0 {
                let chunk = Self.readSome(entry.fd)
                if chunk.isEmpty {
                    open.removeAll { $0 == entry.fd }
                } else if entry.fd == standardOutput {
                    output += chunk
                } else {
                    errorOutput += chunk
                }
            }
        }
        return (output, errorOutput, timedOut)
    }

    private static func readSome(_ descriptor: Int32) -> [UInt8] {
        guard descriptor >= 0 else { return [] }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            return count > 0 ? Array(chunk[0..<count]) : []
        }
    }

    /// The highest descriptor listed in `/proc/self/fd`, each name read through a pointer (the
    /// fallback when glibc lacks `closefrom` as a spawn file action).
    public static func highestOpenDescriptor() -> Int32 {
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

/// glibc's non-portable spawn file actions, which its headers hide from Swift: looked up by name.
private enum GlibcExtensions {
    typealias Actions = UnsafeMutablePointer<posix_spawn_file_actions_t>

    /// `posix_spawn_file_actions_addclosefrom_np` (glibc 2.34).
    static let addCloseFrom: (@convention(c) (Actions, Int32) -> Int32)? = symbol("posix_spawn_file_actions_addclosefrom_np")

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29).
    static let addChdir: (@convention(c) (Actions, UnsafePointer<CChar>) -> Int32)? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<Function>(_ name: String) -> Function? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: Function.self) }
    }
}
