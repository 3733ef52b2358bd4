import Foundation

/// Runs the independent TLS peers of these tests (`openssl s_client`, Python `ssl` + `websockets`)
/// as child processes, each on its own thread because `Process` blocks, with a watchdog.
enum ExternalProcess {
    /// Runs to completion; returns exit status and combined output. Standard input is empty.
    static func runBlocking(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let watchdog = killAfterTimeout(process)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let collected = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (process.terminationStatus, String(decoding: collected, as: UTF8.self))
    }

    /// SIGKILL, not `terminate()`: a child spawned from a test thread inherits that thread's
    /// blocked-signal mask, in which SIGTERM can be blocked, and then ignores `terminate()`.
    private static func killAfterTimeout(_ process: Process) -> DispatchWorkItem {
        DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    }

    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 60) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, timeout: timeout) })
            }
        }
    }

    /// Runs a conversation: each output line for which `respond` returns text gets that text
    /// (plus a newline) written to the process's standard input. `respond` runs on the reading thread.
    static func converse(
        _ executable: String,
        _ arguments: [String],
        timeout: TimeInterval = 60,
        respond: @escaping @Sendable (String) -> String?
    ) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let output = Pipe()
                let input = Pipe()
                process.standardOutput = output
                process.standardError = output
                process.standardInput = input
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let watchdog = killAfterTimeout(process)
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
                var transcript = Data()
                var line = Data()
                let reader = output.fileHandleForReading
                while true {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    transcript.append(chunk)
                    for byte in chunk {
                        guard byte == 10 else {
                            line.append(byte)
                            continue
                        }
                        if let answer = respond(String(decoding: line, as: UTF8.self)) {
                            input.fileHandleForWriting.write(Data((answer + "\n").utf8))
                        }
                        line.removeAll()
                    }
                }
                process.waitUntilExit()
                watchdog.cancel()
                continuation.resume(returning: (process.terminationStatus, String(decoding: transcript, as: UTF8.self)))
            }
        }
    }
}
