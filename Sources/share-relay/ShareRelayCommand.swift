// share-relay: the relay server (`serve`, the default) and the share-management CLI
// (`share create|list|revoke`, which call a running relay's RPC).
//
// Owns: command-line parsing, turning flags and environment into a RelayServerConfiguration,
// human and JSON output, exit codes (0 on success, 1 with a message on standard error).
// Must not: implement server behaviour; everything it serves comes from RelayServer.

import ArgumentParser
import Foundation

@main
struct ShareRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share-relay",
        abstract: "Relay a live session read-only to viewers, and manage its shares.",
        subcommands: [ServeCommand.self, ShareCommand.self, ConfigCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// Prints `share-relay: <message>` to standard error and exits with status 1.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("share-relay: \(message)\n".utf8))
    exit(1)
}

/// Writes one line to standard output at once (unbuffered), so a supervisor or a test reading a
/// pipe sees it while the server runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
