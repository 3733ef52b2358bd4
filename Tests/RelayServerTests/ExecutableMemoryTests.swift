import Foundation
import NIOCore
import NIOPosix
import Testing
import WebSocket
import WebSocketNIO

/// Slow viewers cost no memory of their own: with a viewer that stops reading, 40 MB of events
/// through the real relay grow its resident memory by little more than the retained history
/// (4 MiB here) and socket-sized buffers, while a fast viewer gets every event.
@Suite(.timeLimit(.minutes(2))) final class ExecutableMemoryTests {
    let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("share-relay-memory-\(UUID().uuidString)")

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func residentKiB(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return -1 }
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    @Test func aViewerThatStopsReadingDoesNotGrowTheRelaysMemory() async throws {
        let key = "memory-test-owner-key-0123456789"
        let environment = ShareRelayExecutable.environment([
            "SHARE_RELAY_OWNER_KEY": key, "SHARE_RELAY_HISTORY_MAX_BYTES": "4194304", "SHARE_RELAY_STALL_TIMEOUT": "60",
        ])
        let relay = try await RelayProcess.start(dataDirectory: directory, environment: environment)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        func connect(_ target: String, _ protocols: [String]) async throws -> Client {
            let options = WebSocketClient.Options(subprotocols: protocols, configuration: .init(pingInterval: nil))
            let url = WebSocketURL(host: "127.0.0.1", port: relay.port, target: target)
            return Client(try await AsyncWebSocketConnection.connect(to: url, options: options, on: group))
        }
        let presenter = try await connect("/v1/sessions/memory/publish", ["share-relay.v1", key])
        #expect(try await presenter.nextJSON()["type"] as? String == "ready")
        presenter.send(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"expires_in":600}}"#)
        let token = try #require((try await presenter.nextJSON()["result"] as? [String: Any])?["shareToken"] as? String)
        let slow = try await connect("/v1/view", ["share-relay.v1", token])
        #expect(try await slow.nextJSON()["type"] as? String == "hello")
        slow.connection.setReading(false)
        let fast = try await connect("/v1/view", ["share-relay.v1", token])
        #expect(try await fast.nextJSON()["type"] as? String == "hello")

        // Warm up (allocator arenas, history store), then measure across 40 MB of events.
        let filler = String(repeating: "x", count: 100_000)
        func publish(_ range: ClosedRange<Int>) async throws {
            for index in range {
                presenter.send(#"{"n":\#(index),"pad":"\#(filler)"}"#)
                if index % 20 == 0 {
                    // Pace the presenter by the fast viewer, so the relay is never the bottleneck.
                    var seen = 0
                    while seen < index {
                        let text = try await fast.nextNonPresenceText(timeout: .seconds(20))
                        if let seq = (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["seq"] as? Int {
                            seen = seq
                        }
                    }
                }
            }
        }
        try await publish(1...60)
        let before = Self.residentKiB(of: relay.process.processIdentifier)
        try await publish(61...460)
        let after = Self.residentKiB(of: relay.process.processIdentifier)
        #expect(before > 0 && after > 0)
        // A relay that queued per viewer would hold ~40 MB more for the slow one.
        #expect(after - before < 24 * 1024, "relay RSS grew from \(before) KiB to \(after) KiB")
        _ = await relay.stop(with: SIGTERM)
        try await group.shutdownGracefully()
    }
}
