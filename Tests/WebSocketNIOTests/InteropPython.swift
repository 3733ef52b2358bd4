import Foundation
import TestProcessSupport

/// The Python interpreter with the `websockets` package, the independent peer of the interop
/// tests, located by `TestPython` (the rule every test target shares), and the `Interop/` scripts
/// it runs, as children through `SpawnedProcess`.
enum InteropPython {
    static let path: String? = TestPython.find(importing: "websockets")

    /// Run the interop tests when the peer exists, and also when it is required (they then fail).
    static var shouldRun: Bool { TestPython.shouldRun(with: path) }

    static func script(_ name: String) -> String { TestPython.interopScript(name) }

    /// Runs a script to completion on its own thread, killing it after `timeout`; returns its exit
    /// status and combined output.
    static func run(_ script: String, _ arguments: [String], timeout: TimeInterval = 180) async throws -> (Int32, String) {
        guard let path else { throw InteropError.pythonMissing }
        let result = try await SpawnedProcess.run(path, [self.script(script)] + arguments, timeout: timeout)
        return (result.status, result.output)
    }

    /// Starts a long-running script that prints `PORT <n>` when ready; returns the server and port.
    /// The script exits when its standard input closes, so it cannot outlive the test process
    /// (a leftover child holding the test runner's output open would hang `swift test`).
    static func start(_ script: String, _ arguments: [String]) throws -> (InteropServer, Int) {
        guard let path else { throw InteropError.pythonMissing }
        let process = try SpawnedProcess.launch(
            path, [self.script(script)] + arguments, standardInput: .pipe, standardOutput: .pipe, standardError: .discard
        )
        let server = InteropServer(process: process)
        let line = process.readStandardOutputLine() ?? ""
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            server.stop()
            throw InteropError.serverDidNotStart(line)
        }
        return (server, port)
    }
}

/// A running interop server process.
final class InteropServer: Sendable {
    private let process: SpawnedProcess

    init(process: SpawnedProcess) {
        self.process = process
    }

    /// Closes its standard input (it exits on EOF), terminates it and waits for it.
    func stop() {
        process.closeStandardInput()
        process.signal(SIGTERM)
        _ = process.waitUntilExit()
    }
}

enum InteropError: Error {
    case pythonMissing
    case serverDidNotStart(String)
}
