import Foundation
import TestProcessSupport

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

/// Runs `share-relay <arguments>` to completion.
func runShareRelay(_ arguments: [String], environment: [String: String] = ShareRelayExecutable.environment()) async throws -> CommandResult {
    let executable = try ShareRelayExecutable.path()
    do {
        let result = try await SpawnedProcess.run(executable, arguments, environment: environment, separateStandardError: true, timeout: 60)
        return CommandResult(status: result.status, stdout: result.output, stderr: result.errorOutput)
    } catch {
        return CommandResult(status: -1, stdout: "", stderr: "cannot run: \(error)")
    }
}

/// A `share-relay serve` child process on 127.0.0.1 with a free port (killed if still running
/// when this value goes away).
final class RelayProcess: Sendable {
    let process: SpawnedProcess
    let port: Int
    /// The lines it printed before it was ready.
    let banner: [String]

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `serve` and waits for its banner (the listening line, then the owner key line).
    /// `scheme` is what the listening line reports: "https" when `extraArguments` enable TLS.
    static func start(
        dataDirectory: String,
        environment: [String: String] = ShareRelayExecutable.environment(),
        extraArguments: [String] = [],
        listen: String = "127.0.0.1:0",
        scheme: String = "http"
    ) async throws -> RelayProcess {
        let executable = try ShareRelayExecutable.path()
        let process = try SpawnedProcess.launch(
            executable,
            ["serve", "--listen", listen, "--data-dir", dataDirectory, "--log-level", "error"] + extraArguments,
            environment: environment,
            standardOutput: .pipe,
            standardError: .discard
        )
        let lines = try await onOwnThread { () -> [String] in
            var lines: [String] = []
            while let line = process.readStandardOutputLine() {
                lines.append(line)
                let ready = lines.contains { $0.contains("listening on") }
                    && lines.contains { $0.contains("owner key") || $0.contains("Owner key") }
                if ready { break }
            }
            return lines
        }
        let prefix = "listening on \(scheme)://127.0.0.1:"
        guard let listening = lines.first(where: { $0.contains(prefix) }),
            let port = listening.components(separatedBy: prefix).last.flatMap({ Int($0.prefix { $0.isNumber }) })
        else {
            throw TestHTTPError("share-relay serve did not report its address; printed \(lines)")
        }
        return RelayProcess(process: process, port: port, banner: lines)
    }

    private init(process: SpawnedProcess, port: Int, banner: [String]) {
        self.process = process
        self.port = port
        self.banner = banner
    }

    /// Sends `signal` and waits for the process to exit; returns its exit code (or signal) and why it ended.
    func stop(with signal: Int32) async -> (status: Int32, reason: SpawnedProcess.Termination.Reason) {
        process.signal(signal)
        let process = self.process
        let termination = await offPool { process.waitUntilExit() }
        return (termination.code, termination.reason)
    }
}
