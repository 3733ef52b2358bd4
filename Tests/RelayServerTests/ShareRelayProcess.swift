import Foundation

/// The built `share-relay` executable. `swift build --build-tests` puts it in the same folder as
/// the test bundle, which is this process's executable.
enum ShareRelayExecutable {
    static func path() throws -> String {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let candidate = ((testBinary as NSString).deletingLastPathComponent as NSString).appendingPathComponent("share-relay")
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw TestHTTPError("no share-relay executable at \(candidate); build it with `swift build --build-tests`")
        }
        return candidate
    }

    /// The test process's environment without an owner key, plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SHARE_RELAY_OWNER_KEY")
        return environment.merging(extra) { $1 }
    }
}

/// What a finished command printed and how it exited.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs blocking work (waiting for a process, reading a pipe) on its own thread, not on the
/// cooperative pool the other tests share.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// Runs `share-relay <arguments>` to completion (with `SpawnedProcess`: Foundation's `Process`
/// can crash while another test holds many sockets open, see there).
func runShareRelay(_ arguments: [String], environment: [String: String] = ShareRelayExecutable.environment()) async throws -> CommandResult {
    let executable = try ShareRelayExecutable.path()
    return await offPool {
        do {
            let result = try SpawnedProcess.run(executable, arguments, environment: environment, separateStandardError: true, timeout: 60)
            return CommandResult(status: result.status, stdout: result.output, stderr: result.errorOutput)
        } catch {
            return CommandResult(status: -1, stdout: "", stderr: "cannot run: \(error)")
        }
    }
}

/// A `share-relay serve` child process on 127.0.0.1 with a free port.
final class RelayProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    /// The lines it printed before it was ready.
    let banner: [String]

    var url: String { "http://127.0.0.1:\(port)" }

    static func start(
        dataDirectory: String,
        environment: [String: String] = ShareRelayExecutable.environment(),
        extraArguments: [String] = [],
        listen: String = "127.0.0.1:0"
    ) async throws -> RelayProcess {
        let executable = try ShareRelayExecutable.path()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--listen", listen, "--data-dir", dataDirectory, "--log-level", "error"] + extraArguments
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Read until the owner key line, which follows the listening line.
        let lines = await offPool { () -> [String] in
            var text = ""
            while !(text.contains("listening on") && (text.contains("owner key") || text.contains("Owner key"))) {
                let data = stdout.fileHandleForReading.availableData
                if data.isEmpty { break }
                text += String(decoding: data, as: UTF8.self)
            }
            return text.split(separator: "\n").map(String.init)
        }
        guard let listening = lines.first(where: { $0.contains("listening on http://127.0.0.1:") }),
            let port = Int(listening.components(separatedBy: "127.0.0.1:").last ?? "")
        else {
            process.terminate()
            throw TestHTTPError("share-relay serve did not report its address; printed \(lines)")
        }
        return RelayProcess(process: process, port: port, banner: lines)
    }

    private init(process: Process, port: Int, banner: [String]) {
        self.process = process
        self.port = port
        self.banner = banner
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Sends `signal` and waits for the process to exit; returns its termination status.
    func stop(with signal: Int32) async -> (status: Int32, reason: Process.TerminationReason) {
        kill(process.processIdentifier, signal)
        let process = self.process
        return await offPool {
            process.waitUntilExit()
            return (process.terminationStatus, process.terminationReason)
        }
    }
}
