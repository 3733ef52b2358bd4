import Foundation

/// Locates the Python interpreter that has the `websockets` package, the independent peer of the
/// interop tests. `scripts/test.sh` sets SHARE_RELAY_TEST_PYTHON and SHARE_RELAY_REQUIRE_INTEROP=1,
/// so in CI a missing peer fails the tests instead of skipping them.
enum InteropPython {
    static let path: String? = {
        let candidates = [ProcessInfo.processInfo.environment["SHARE_RELAY_TEST_PYTHON"], "/usr/bin/python3"]
        for candidate in candidates.compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: candidate) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: candidate)
            probe.arguments = ["-c", "import websockets"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            if (try? probe.run()) != nil {
                probe.waitUntilExit()
                if probe.terminationStatus == 0 { return candidate }
            }
        }
        return nil
    }()

    static var isRequired: Bool { ProcessInfo.processInfo.environment["SHARE_RELAY_REQUIRE_INTEROP"] == "1" }

    /// Run the interop tests when the peer exists, and also when it is required (they then fail).
    static var shouldRun: Bool { path != nil || isRequired }

    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Interop").appendingPathComponent(name).path
    }

    /// Runs a script to completion on its own thread (it blocks), killing it after `timeout`;
    /// returns its exit status and combined output.
    static func run(_ script: String, _ arguments: [String], timeout: TimeInterval = 180) async throws -> (Int32, String) {
        guard let path else { throw InteropError.pythonMissing }
        let scriptPath = self.script(script)
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: path)
                process.arguments = [scriptPath] + arguments
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
                let collected = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                watchdog.cancel()
                continuation.resume(returning: (process.terminationStatus, String(decoding: collected, as: UTF8.self)))
            }
        }
    }

    /// Starts a long-running script that prints `PORT <n>` when ready; returns the server and port.
    /// The script exits when its standard input closes, so it cannot outlive the test process
    /// (a leftover child holding the test runner's output open would hang `swift test`).
    static func start(_ script: String, _ arguments: [String]) throws -> (InteropServer, Int) {
        guard let path else { throw InteropError.pythonMissing }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [self.script(script)] + arguments
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = input
        try process.run()
        let server = InteropServer(process: process, input: input)
        var line = Data()
        let reader = output.fileHandleForReading
        while true {
            let byte = reader.readData(ofLength: 1)
            if byte.isEmpty {
                server.stop()
                throw InteropError.serverDidNotStart(String(decoding: line, as: UTF8.self))
            }
            if byte.first == 10 { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            server.stop()
            throw InteropError.serverDidNotStart(text)
        }
        return (server, port)
    }
}

/// A running interop server process.
final class InteropServer: Sendable {
    private let process: Process
    private let input: Pipe

    init(process: Process, input: Pipe) {
        self.process = process
        self.input = input
    }

    /// Closes its standard input (it exits on EOF) and terminates it.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

enum InteropError: Error {
    case pythonMissing
    case serverDidNotStart(String)
}
