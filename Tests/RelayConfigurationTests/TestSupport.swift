import Foundation
@testable import RelayConfiguration

/// Loads YAML text (named `relay.yaml` in messages) with the given environment and flags.
func load(
    _ yaml: String = "", environment: [String: String] = [:], flags: [String: String] = [:]
) throws(ConfigurationError) -> RelayConfiguration {
    try RelayConfiguration.load(yaml: yaml, path: "relay.yaml", environment: environment, flags: flags)
}

/// The error `load` stops with, or nil when it succeeds.
func loadError(
    _ yaml: String = "", environment: [String: String] = [:], flags: [String: String] = [:]
) -> ConfigurationError? {
    do {
        _ = try load(yaml, environment: environment, flags: flags)
        return nil
    } catch {
        return error
    }
}

/// The message `load` stops with, or nil when it succeeds.
func loadMessage(
    _ yaml: String = "", environment: [String: String] = [:], flags: [String: String] = [:]
) -> String? {
    loadError(yaml, environment: environment, flags: flags)?.description
}

/// The repository's root, found from this file's path (Tests/RelayConfigurationTests/…).
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func repositoryFile(_ relativePath: String) throws -> String {
    try String(contentsOf: repositoryRoot.appendingPathComponent(relativePath), encoding: .utf8)
}

/// A fresh temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("relay-configuration-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

let ownerKeyA = "clw_owner_abcdefghijklmnopqrstuvwxyz012345"
let ownerKeyB = "clw_owner_ZYXWVUTSRQPONMLKJIHGFEDCBA987654"
let metricsKey = "metrics-scraper-key-0123456789"
