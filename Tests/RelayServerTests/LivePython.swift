import Foundation
import TestProcessSupport

/// Python with the `websockets` package, the independent viewer of the live relay tests
/// (located by `TestPython`, the rule every test target shares).
enum LivePython {
    static let path: String? = TestPython.find(importing: "websockets.asyncio.client")

    /// Whether a missing Python must fail the tests that need it (SHARE_RELAY_REQUIRE_INTEROP=1).
    static var isRequired: Bool { TestPython.isRequired }

    /// The first candidate Python that can import `module`.
    static func find(importing module: String) -> String? { TestPython.find(importing: module) }

    /// Runs `script` (passed with -c) to completion on its own thread, killed after 20 s;
    /// returns its exit status and combined output.
    static func run(_ python: String, script: String, arguments: [String]) async throws -> (Int32, String) {
        let result = try await SpawnedProcess.run(python, ["-c", script] + arguments, timeout: 20)
        return (result.status, result.output)
    }
}
