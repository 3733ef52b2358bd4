import Foundation

/// What a child run to completion printed and how it ended.
public struct CompletedProcess: Sendable {
    public var termination: SpawnedProcess.Termination
    /// Standard output, with standard error in it unless it was asked for apart.
    public var output: String
    /// Standard error when asked for apart; otherwise empty.
    public var errorOutput: String
    /// Whether the child was killed because it outlived its timeout.
    public var timedOut: Bool

    /// The exit code, or 128 + the signal that ended it.
    public var status: Int32 { termination.status }
}

extension SpawnedProcess {
    /// Runs a child to completion with empty standard input, blocking the calling thread (call it
    /// off the cooperative pool, or use `run`). Standard error goes into `output` unless
    /// `separateStandardError`. The child is sent SIGKILL after `timeout`.
    public static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        separateStandardError: Bool = false,
        timeout: TimeInterval = 60
    ) throws -> CompletedProcess {
        let process = try launch(
            executable, arguments, environment: environment, workingDirectory: workingDirectory,
            standardOutput: .pipe, standardError: separateStandardError ? .pipe : .standardOutput
        )
        let collected = process.collectOutput(until: Date() + timeout)
        let termination = process.waitUntilExit()
        return CompletedProcess(
            termination: termination,
            output: String(decoding: collected.output, as: UTF8.self),
            errorOutput: String(decoding: collected.errorOutput, as: UTF8.self),
            timedOut: collected.timedOut
        )
    }

    /// `runBlocking` on a thread of its own, so a test can await it without tying up the cooperative pool.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        workingDirectory: String? = nil,
        separateStandardError: Bool = false,
        timeout: TimeInterval = 60
    ) async throws -> CompletedProcess {
        try await onOwnThread {
            try runBlocking(
                executable, arguments, environment: environment, workingDirectory: workingDirectory,
                separateStandardError: separateStandardError, timeout: timeout
            )
        }
    }
}

/// Runs blocking work (waiting for a child, reading its pipes) on a new thread, not on the
/// cooperative pool the other tests share.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
