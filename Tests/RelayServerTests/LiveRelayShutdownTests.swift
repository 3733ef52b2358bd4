import Foundation
import NIOCore
import NIOPosix
import Testing
import WebSocket
import WebSocketNIO

/// SIGTERM against the real executable: every WebSocket gets 1001, the process exits 0 in 5 s.
@Suite struct LiveRelayShutdownTests {
    @Test func sigtermClosesEverySocketWith1001AndExitsZeroWithin5Seconds() async throws {
        let dataDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("live-sigterm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        let key = "sigterm-test-owner-key"
        let environment = ShareRelayExecutable.environment(["SHARE_RELAY_OWNER_KEY": key, "SHARE_RELAY_STALL_TIMEOUT": "30"])
        let relay = try await RelayProcess.start(dataDirectory: dataDirectory, environment: environment)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func connect(_ target: String, _ protocols: [String]) async throws -> Client {
            let options = WebSocketClient.Options(subprotocols: protocols, configuration: .init(pingInterval: nil))
            let url = WebSocketURL(host: "127.0.0.1", port: relay.port, target: target)
            return Client(try await AsyncWebSocketConnection.connect(to: url, options: options, on: group))
        }
        let presenter = try await connect("/v1/sessions/term/publish", ["share-relay.v1", key])
        #expect(try await presenter.nextJSON()["type"] as? String == "ready")
        presenter.send(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"expires_in":600}}"#)
        let token = try #require((try await presenter.nextJSON()["result"] as? [String: Any])?["shareToken"] as? String)
        let viewer = try await connect("/v1/view", ["share-relay.v1", token])
        #expect(try await viewer.nextJSON()["type"] as? String == "hello")

        let started = ContinuousClock.now
        let stopping = Task { await relay.stop(with: SIGTERM) }
        #expect(try await viewer.closeCode().code == 1001)
        #expect(try await presenter.closeCode().code == 1001)
        let stopped = await stopping.value
        #expect(stopped.reason == .exit && stopped.status == 0)
        #expect(ContinuousClock.now - started < .seconds(5))
        try await group.shutdownGracefully()
    }
}
