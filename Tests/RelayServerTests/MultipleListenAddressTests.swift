import Foundation
import NIOCore
import NIOPosix
import RelayConfiguration
import RelayServer
import Testing

/// `listen` with several addresses: one server, one relay, every address served alike.
@Suite(.timeLimit(.minutes(1))) final class MultipleListenAddressTests {
    let relay = TestRelay()

    deinit {
        relay.remove()
    }

    static func healthz(_ address: SocketAddress) async throws -> Int {
        let connection = try await TestHTTPConnection.connect(host: address.ipAddress ?? "?", port: address.port ?? 0)
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let status = try await connection.readResponse().status
        await connection.close()
        return status
    }

    @Test func everyListenAddressAnswersAndAllCloseOnShutdown() async throws {
        try await relay.start {
            $0.listenAddresses = [ListenAddress(host: "127.0.0.1", port: 0), ListenAddress(host: "127.0.0.2", port: 0)]
        }
        let addresses = await relay.server.localAddresses
        #expect(addresses.map(\.ipAddress) == ["127.0.0.1", "127.0.0.2"])
        #expect(await relay.server.localAddress == addresses.first)
        for address in addresses {
            #expect(try await Self.healthz(address) == 200, "\(address)")
        }
        await relay.stop()
        #expect(await relay.server.localAddresses.isEmpty)
        for address in addresses {
            await #expect(throws: (any Error).self, "\(address) still accepts") {
                _ = try await TestHTTPConnection.connect(host: address.ipAddress ?? "?", port: address.port ?? 0)
            }
        }
    }

    @Test func ipv4AndIPv6LoopbackTogether() async throws {
        // Skipped where the host has no IPv6 loopback.
        guard (try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "::1", port: 0).get().close()) != nil
        else { return }
        try await relay.start {
            $0.listenAddresses = [ListenAddress(host: "127.0.0.1", port: 0), ListenAddress(host: "::1", port: 0)]
        }
        let addresses = await relay.server.localAddresses
        #expect(addresses.map(\.ipAddress) == ["127.0.0.1", "::1"])
        for address in addresses {
            #expect(try await Self.healthz(address) == 200, "\(address)")
        }
        await relay.stop()
    }

    @Test func aSessionSpansListenAddresses() async throws {
        let live = try await LiveRelay.start(configure: {
            $0.listenAddresses = [ListenAddress(host: "127.0.0.1", port: 0), ListenAddress(host: "127.0.0.2", port: 0)]
        })
        let addresses = await live.server.localAddresses
        try #require(addresses.count == 2)
        let token = try await live.share("spans")
        let presenter = try await live.connect(
            "/v1/sessions/spans/publish", headers: [("Authorization", "Bearer \(testOwnerKey)")],
            host: "127.0.0.1", port: addresses[0].port
        )
        #expect(try await presenter.nextJSON()["type"] as? String == "ready")
        let viewer = try await live.connect(
            "/v1/view", subprotocols: ["share-relay.v1", token], host: "127.0.0.2", port: addresses[1].port
        )
        #expect(try await viewer.nextJSON()["type"] as? String == "hello")
        presenter.send(#"{"across":"addresses"}"#)
        #expect(try await viewer.nextNonPresenceText().contains(#""across":"addresses""#))
        await live.stop()
    }

    @Test func aBindFailureOnALaterAddressLeavesNothingBound() async throws {
        try await relay.start()
        let busy = relay.port
        // A port that is free now on 127.0.0.3, for the first address of the failing server.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.3", port: 0).get()
        let free = try #require(probe.localAddress?.port)
        try await probe.close()

        let second = RelayServer()
        var configuration = RelayServerConfiguration(dataDirectory: relay.dataDirectory, ownerKeys: ["k"], environment: [:])
        configuration.listenAddresses = [ListenAddress(host: "127.0.0.3", port: free), ListenAddress(host: "127.0.0.1", port: busy)]
        configuration.storage = FailingStorage()
        configuration.eventLoopThreads = 1
        var failure: RelayServerError?
        do {
            _ = try await second.start(configuration)
        } catch {
            failure = error
        }
        #expect(failure == .bindFailed(address: "127.0.0.1:\(busy)", reason: "address already in use"))
        #expect(await second.localAddresses.isEmpty)
        // The first address was released: it can be bound again.
        let again = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.3", port: free).get()
        #expect(again.localAddress?.port == free)
        try await again.close()
        await relay.stop()
    }

    @Test func serveAcceptsACommaSeparatedListenFlagAndPrintsEachAddress() async throws {
        let directory = (NSTemporaryDirectory() as NSString).appendingPathComponent("listen-flag-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let process = try await RelayProcess.start(dataDirectory: directory, listen: "127.0.0.1:0,127.0.0.2:0")
        let listening = process.banner.filter { $0.contains("listening on") }
        #expect(listening.count == 2, "\(process.banner)")
        #expect(listening.last?.contains("listening on http://127.0.0.2:") == true)
        let secondPort = try #require(listening.last.flatMap { Int($0.components(separatedBy: "127.0.0.2:").last ?? "") })
        let address = try SocketAddress(ipAddress: "127.0.0.2", port: secondPort)
        #expect(try await Self.healthz(address) == 200)
        _ = await process.stop(with: SIGTERM)
    }
}
