import Foundation
import TestProcessSupport

/// The Python interpreter with the `websockets` package, located by `TestPython` (the rule every
/// test target shares: SHARE_RELAY_TEST_PYTHON, the test venv, /usr/bin/python3), and the
/// `Interop/wss_client.py` peer it runs.
enum InteropPython {
    static let path: String? = TestPython.find(importing: "websockets")

    static var shouldRun: Bool { TestPython.shouldRun(with: path) }

    static func script(_ name: String) -> String { TestPython.interopScript(name) }

    static func run(_ arguments: [String], timeout: TimeInterval = 120) async throws -> (Int32, String) {
        guard let path else { throw TestFailure("no Python with websockets; set SHARE_RELAY_TEST_PYTHON") }
        return try await ExternalProcess.run(path, [script("wss_client.py")] + arguments, timeout: timeout)
    }

    static func converse(_ arguments: [String], respond: @escaping @Sendable (String) -> String?) async throws -> (Int32, String) {
        guard let path else { throw TestFailure("no Python with websockets; set SHARE_RELAY_TEST_PYTHON") }
        return try await ExternalProcess.converse(path, [script("wss_client.py")] + arguments, respond: respond)
    }
}
