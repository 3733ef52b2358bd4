import Foundation

/// Locates the Python interpreter that has the `websockets` package (the same rule as
/// WebSocketNIOTests): `scripts/test.sh` sets SHARE_RELAY_TEST_PYTHON and
/// SHARE_RELAY_REQUIRE_INTEROP=1, so in CI a missing peer fails the tests instead of skipping them.
enum InteropPython {
    static let path: String? = {
        let candidates = [ProcessInfo.processInfo.environment["SHARE_RELAY_TEST_PYTHON"], "/usr/bin/python3"]
        for candidate in candidates.compactMap({ $0 }) where FileManager.default.isExecutableFile(atPath: candidate) {
            if let (status, _) = try? ExternalProcess.runBlocking(candidate, ["-c", "import websockets"]), status == 0 {
                return candidate
            }
        }
        return nil
    }()

    static var isRequired: Bool { ProcessInfo.processInfo.environment["SHARE_RELAY_REQUIRE_INTEROP"] == "1" }

    static var shouldRun: Bool { path != nil || isRequired }

    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Interop").appendingPathComponent(name).path
    }

    static func run(_ arguments: [String], timeout: TimeInterval = 120) async throws -> (Int32, String) {
        guard let path else { throw TestFailure("no Python with websockets; set SHARE_RELAY_TEST_PYTHON") }
        return try await ExternalProcess.run(path, [script("wss_client.py")] + arguments, timeout: timeout)
    }

    static func converse(_ arguments: [String], respond: @escaping @Sendable (String) -> String?) async throws -> (Int32, String) {
        guard let path else { throw TestFailure("no Python with websockets; set SHARE_RELAY_TEST_PYTHON") }
        return try await ExternalProcess.converse(path, [script("wss_client.py")] + arguments, respond: respond)
    }
}
