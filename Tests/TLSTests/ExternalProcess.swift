import Foundation
import TestProcessSupport

/// Runs the independent TLS peers of these tests (`openssl s_client`, Python `ssl` + `websockets`)
/// as child processes through `SpawnedProcess` (not Foundation's `Process`: see why there).
enum ExternalProcess {
    /// Runs to completion, blocking; returns exit status and combined output. Standard input is empty.
    static func runBlocking(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> (Int32, String) {
        let result = try SpawnedProcess.runBlocking(executable, arguments, timeout: timeout)
        return (result.status, result.output)
    }

    /// As `runBlocking`, on a thread of its own.
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) async throws -> (Int32, String) {
        let result = try await SpawnedProcess.run(executable, arguments, timeout: timeout)
        return (result.status, result.output)
    }

    /// Runs a conversation: each output line for which `respond` returns text gets that text
    /// (plus a newline) written to the process's standard input. `respond` runs on the reading
    /// thread. The child is killed after `timeout`.
    static func converse(
        _ executable: String,
        _ arguments: [String],
        timeout: TimeInterval = 60,
        respond: @escaping @Sendable (String) -> String?
    ) async throws -> (Int32, String) {
        let process = try SpawnedProcess.launch(executable, arguments, standardInput: .pipe)
        process.killAfter(timeout)
        return try await onOwnThread {
            var transcript = ""
            while let line = process.readStandardOutputLine() {
                transcript += line + "\n"
                if let answer = respond(line) { try? process.write(toStandardInput: answer + "\n") }
            }
            process.closeStandardInput()
            return (process.waitUntilExit().status, transcript)
        }
    }
}
