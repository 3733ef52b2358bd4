import Foundation

/// Python with the `websockets` package, the independent viewer of the live relay tests
/// (located like WebSocketNIOTests' InteropPython: SHARE_RELAY_TEST_PYTHON, then /usr/bin/python3).
enum LivePython {
    static let path: String? = find(importing: "websockets.asyncio.client")

    /// The first candidate Python that can import `module`.
    static func find(importing module: String) -> String? {
        let candidates = [ProcessInfo.processInfo.environment["SHARE_RELAY_TEST_PYTHON"], "/usr/bin/python3"]
        for candidate in candidates.compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: candidate) {
            if (try? SpawnedProcess.run(candidate, ["-c", "import \(module)"]))?.status == 0 { return candidate }
        }
        return nil
    }

    /// Runs `script` (passed with -c) to completion off the cooperative pool, killed after 20 s.
    /// (`SpawnedProcess`, not Foundation's `Process`: see why there.)
    static func run(_ python: String, script: String, arguments: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try SpawnedProcess.run(python, ["-c", script] + arguments) })
            }
        }
    }
}
