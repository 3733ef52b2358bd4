import ArgumentParser
import Foundation
import Logging
import NIOCore
import Relay
import RelayConfiguration
import RelayServer

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the relay (the default command)."
    )

    @OptionGroup var settings: SettingsOptions

    func run() async throws {
        let loaded = settings.load()
        let level = Logger.Level(rawValue: loaded.logging.level.rawValue) ?? .info
        let format = loaded.logging.format
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let configuration = makeConfiguration(loaded)
        let server = RelayServer()
        do {
            _ = try await server.start(configuration)
        } catch {
            fail(error.description)
        }

        for address in await server.localAddresses {
            say("share-relay listening on \(configuration.tls == nil ? "http" : "https")://\(Self.display(address))")
        }
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
        // SIGHUP (systemctl reload) loads the TLS certificate and key files again for new
        // connections; existing connections keep theirs. Without TLS it is ignored.
        let tls = configuration.tls
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler {
            guard let tls else { return }
            do {
                try tls.reload()
                say("Reloaded the TLS certificate (SIGHUP).")
            } catch {
                FileHandle.standardError.write(Data("share-relay: TLS reload failed, keeping the previous certificate: \(error)\n".utf8))
            }
        }
        reload.resume()
        await server.waitUntilStopped()
        signals.forEach { $0.cancel() }
        reload.cancel()
    }

    /// The server configuration for the loaded settings, with durable event history in
    /// `<data-dir>/history.sqlite3`.
    private func makeConfiguration(_ loaded: RelayConfiguration) -> RelayServerConfiguration {
        var configuration: RelayServerConfiguration
        do {
            configuration = try RelayServerConfiguration(loaded)
        } catch {
            fail(error.description)
        }
        do {
            try FileManager.default.createDirectory(
                atPath: configuration.dataDirectory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
            let historyPath = (configuration.dataDirectory as NSString)
                .appendingPathComponent(SQLiteEventHistoryStore.fileName)
            configuration.historyStore = try SQLiteEventHistoryStore.open(path: historyPath)
        } catch {
            fail("event history in \(configuration.dataDirectory): \(error)")
        }
        return configuration
    }

    static func display(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "?"
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return "\(host):\(address.port ?? 0)"
    }
}
