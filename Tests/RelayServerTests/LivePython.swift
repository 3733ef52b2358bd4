import Foundation

/// Python with the `websockets` package, the independent viewer of the live relay tests
/// (located like WebSocketNIOTests' InteropPython: SHARE_RELAY_TEST_PYTHON, then /usr/bin/python3).
enum LivePython {
    static let path: String? = find(importing: "websockets.asyncio.client")

    /// The first candidate Python that can import `module`.
    static func find(importing module: String) -> String? {
        let candidates = [ProcessInfo.processInfo.environment["SHARE_RELAY_TEST_PYTHON"], "/usr/bin/python3"]
        for candidate in candidates.compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: candidate) {
            let probe = Process()
            probe.executableURL = URL(fileURLWithPath: candidate)
            probe.arguments = ["-c", "import \(module)"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            if (try? probe.run()) != nil {
                probe.waitUntilExit()
                if probe.terminationStatus == 0 { return candidate }
            }
        }
        return nil
    }

    /// Runs `script` (passed with -c) to completion off the cooperative pool, killed after 20 s.
    static func run(_ python: String, script: String, arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: python)
                process.arguments = ["-c", script] + arguments
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                do { try process.run() } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
                DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
                let collected = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                watchdog.cancel()
                continuation.resume(returning: (process.terminationStatus, String(decoding: collected, as: UTF8.self)))
            }
        }
    }
}
