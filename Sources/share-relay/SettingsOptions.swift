import ArgumentParser
import Foundation
import RelayConfiguration

/// The options that shape the configuration, shared by `serve` and `config print`. Precedence:
/// these flags, then `SHARE_RELAY_*` environment variables, then the file, then the defaults.
struct SettingsOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML). SHARE_RELAY_CONFIG names one too.")
    var config: String?

    @Option(help: "Addresses to listen on, HOST:PORT, comma-separated (default 127.0.0.1:8080; [::1]:8080 for IPv6; port 0 picks a free one).")
    var listen: String?

    @Option(name: .customLong("data-dir"), help: "Directory for the databases and the generated owner key (default ./data).")
    var dataDirectory: String?

    @Option(name: .customLong("web-dir"), help: "Directory of the viewer and console pages (default ./web).")
    var webDirectory: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .customLong("set"), help: "Set any configuration key, e.g. --set limits.maxViewersPerShare=500 (repeatable).")
    var assignments: [String] = []

    /// The flag layer, keyed by configuration key.
    func flags() throws(ConfigurationError) -> [String: String] {
        var flags = try RelayConfiguration.flags(fromAssignments: assignments)
        if let listen { flags["listen"] = listen }
        if let dataDirectory { flags["dataDirectory"] = dataDirectory }
        if let webDirectory { flags["webDirectory"] = webDirectory }
        if let logLevel { flags["logging.level"] = logLevel }
        return flags
    }

    /// The effective configuration, or exit 1 with a message naming the key, value and origin.
    func load() -> RelayConfiguration {
        do {
            return try RelayConfiguration.load(
                file: config,
                environment: ProcessInfo.processInfo.environment,
                flags: try flags()
            )
        } catch {
            fail(error.description)
        }
    }
}
