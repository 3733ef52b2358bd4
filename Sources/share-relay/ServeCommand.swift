import ArgumentParser
import Foundation
import Logging
import NIOCore
import RelayServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the relay (the default command)."
    )

    @Option(name: .long, help: "Address to listen on, HOST:PORT (port 0 picks a free one).")
    var listen = "\(RelayServerConfiguration.defaultHost):\(RelayServerConfiguration.defaultPort)"

    @Option(name: .customLong("data-dir"), help: "Directory for the database and the generated owner key.")
    var dataDirectory = RelayServerConfiguration.defaultDataDirectory

    @Option(name: .long, help: "Configuration file.")
    var config: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            fail("--log-level \(logLevel): expected one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let configuration = makeConfiguration()
        let server = RelayServer()
        let address: SocketAddress
        do {
            address = try await server.start(configuration)
        } catch {
            fail(error.description)
        }

        say("share-relay listening on http://\(Self.display(address))")
        switch await server.ownerKeyOrigin {
        case let .generated(path)?:
            say("Generated an owner key in \(path) (readable only by you). Share commands read it from there;")
            say("other clients send it as: Authorization: Bearer <contents of \(path)>")
        case let .file(path)?:
            say("Owner key: \(path)")
        case let .configured(count)?:
            say("Owner keys: \(count) from configuration / \(RelayServerConfiguration.ownerKeyEnvironmentVariable)")
        case nil:
            break
        }
        if let warning = await server.ownerKeyWarning {
            say("Warning: \(warning)")
        }

        // SIGTERM and SIGINT stop the server gracefully; the process then exits 0.
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Task { await server.shutdown() }
            }
            source.resume()
            return source
        }
        await server.waitUntilStopped()
        signals.forEach { $0.cancel() }
    }

    /// The server configuration from flags and the environment. The configuration file
    /// (`--config`, RelayConfiguration) is not wired in yet: it will be read here, under flags.
    private func makeConfiguration() -> RelayServerConfiguration {
        if let config {
            fail("--config \(config): configuration files are not supported by this build yet; use flags and SHARE_RELAY_* variables")
        }
        guard let (host, port) = Self.parseListen(listen) else {
            fail("--listen \(listen): expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080, with a port from 0 to 65535")
        }
        var configuration = RelayServerConfiguration(host: host, port: port, dataDirectory: dataDirectory)
        do {
            configuration.relaySettings = try RelaySettingsEnvironment.settings(from: configuration.environment)
        } catch {
            fail("\(error)")
        }
        return configuration
    }

    /// `HOST:PORT` or `[IPv6]:PORT`.
    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else { return nil }
        return (String(host), port)
    }

    static func display(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "?"
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return "\(host):\(address.port ?? 0)"
    }
}
