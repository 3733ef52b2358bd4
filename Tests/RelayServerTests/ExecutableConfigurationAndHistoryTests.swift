import Foundation
import NIOCore
import NIOPosix
import Testing
import WebSocket
import WebSocketNIO

/// The real executable: the configuration file and commands, and durable event history.
@Suite(.timeLimit(.minutes(2))) final class ExecutableConfigurationAndHistoryTests {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("share-relay-config-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func configCheckAcceptsTheAnnotatedExample() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/share-relay.yaml").path
        let result = try await runShareRelay(["config", "check", example])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("valid"))
    }

    @Test func configCheckNamesTheKeyTheValueAndTheLine() async throws {
        let file = try write("bad.yaml", "history:\n  maxEvents: 10\nlimits:\n  maxViewersPerShare: lots\n")
        let result = try await runShareRelay(["config", "check", file])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file):4"), "\(result.stderr)")
        #expect(result.stderr.contains("limits.maxViewersPerShare"))
        #expect(result.stderr.contains("'lots'"))
    }

    @Test func serveRefusesAnUnknownKeyAndSuggestsTheRightOne() async throws {
        let file = try write("typo.yaml", "timeouts:\n  stal: 30\n")
        let result = try await runShareRelay(["serve", "--config", file, "--data-dir", directory])
        #expect(result.status == 1)
        #expect(result.stderr.contains("timeouts.stal"), "\(result.stderr)")
        #expect(result.stderr.contains("timeouts.stall"))
    }

    @Test func configPrintAppliesFileEnvironmentAndFlagsAndMasksSecrets() async throws {
        let file = try write("ok.yaml", "history:\n  maxEvents: 42\nlimits:\n  maxViewersPerShare: 7\n")
        let key = "clw_owner_SECRETSECRETSECRETSECRETSECRETSE"
        let result = try await runShareRelay(
            ["config", "print", "--config", file, "--set", "limits.maxViewersPerShare=9"],
            environment: ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": key, "SHARE_RELAY_STALL_TIMEOUT": "12"])
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("maxEvents: 42"))
        #expect(result.stdout.contains("maxViewersPerShare: 9"))
        #expect(result.stdout.contains("stall: 12"))
        #expect(!result.stdout.contains(key))
        #expect(result.stdout.contains("clw_owner_"))
    }

    /// Events acknowledged by relay.sync survive kill -9: history is in `<data-dir>/history.sqlite3`.
    @Test func acknowledgedEventsSurviveKillDashNine() async throws {
        let key = "history-test-owner-key"
        let environment = ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": key])
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func connect(_ port: Int, _ target: String, _ protocols: [String]) async throws -> Client {
            let options = WebSocketClient.Options(subprotocols: protocols, configuration: .init(pingInterval: nil))
            let url = WebSocketURL(host: "127.0.0.1", port: port, target: target)
            return Client(try await AsyncWebSocketConnection.connect(to: url, options: options, on: group))
        }

        let first = try await RelayProcess.start(dataDirectory: directory, environment: environment)
        let presenter = try await connect(first.port, "/v1/sessions/durable/publish", ["share-relay.v1", key])
        #expect(try await presenter.nextJSON()["type"] as? String == "ready")
        for index in 1...5 { presenter.send(#"{"n":\#(index)}"#) }
        presenter.send(#"{"jsonrpc":"2.0","id":9,"method":"relay.sync"}"#)
        #expect(try await presenter.nextNonPresenceText() == #"{"jsonrpc":"2.0","id":9,"result":{"seq":5}}"#)
        presenter.send(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"expires_in":600}}"#)
        let token = try #require((try await presenter.nextJSON()["result"] as? [String: Any])?["shareToken"] as? String)
        _ = await first.stop(with: SIGKILL)

        let second = try await RelayProcess.start(dataDirectory: directory, environment: environment)
        let viewer = try await connect(second.port, "/v1/view", ["share-relay.v1", token])
        let hello = try await viewer.nextJSON()
        #expect(hello["type"] as? String == "hello")
        #expect(hello["seq"] as? Int == 5)
        for index in 1...5 {
            let event = try await viewer.nextJSON()
            #expect(event["seq"] as? Int == index)
            #expect((event["data"] as? [String: Any])?["n"] as? Int == index)
        }
        let again = try await connect(second.port, "/v1/sessions/durable/publish", ["share-relay.v1", key])
        #expect(try await again.nextJSON()["seq"] as? Int == 5)
        _ = await second.stop(with: SIGTERM)
        try await group.shutdownGracefully()
    }
}
