import Foundation
import Relay
import RelayConfiguration
import RelayServer
import Testing

@Suite struct LiveRelayHistoryTests {
    @Test func restartKeepsWhatRelaySyncAcknowledged() async throws {
        let history = InMemoryEventHistoryStore()
        let first = try await LiveRelay.start(historyStore: history)
        let presenter = try await first.presenter("keep")
        for index in 1...3 { presenter.send("\(index)") }
        presenter.send(#"{"jsonrpc":"2.0","id":1,"method":"relay.sync"}"#)
        #expect(try await presenter.nextText() == #"{"jsonrpc":"2.0","id":1,"result":{"seq":3}}"#)
        await first.stop()

        let second = try await LiveRelay.start(historyStore: history)
        let token = try await second.share("keep")
        let again = try await second.presenter("keep")
        let viewer = try await second.viewer(token: token)
        #expect(try await viewer.nextJSON()["seq"] as? Int == 3)
        for seq in 1...3 {
            let event = try await viewer.nextNonPresenceJSON()
            #expect(event["seq"] as? Int == seq && event["data"] as? Int == seq)
        }
        again.send("4")
        // A coalesced presence message may come first when the machine is slow.
        #expect(try await viewer.nextNonPresenceJSON()["seq"] as? Int == 4)
        await second.stop()
    }

    @Test func idleSessionIsReloadedFromHistoryWithItsSequence() async throws {
        let relay = try await LiveRelay.start()
        let token = try await relay.share("idle")
        let presenter = try await relay.presenter("idle")
        presenter.send("1")
        presenter.send(#"{"jsonrpc":"2.0","id":1,"method":"relay.sync"}"#)
        _ = try await presenter.nextText()
        presenter.connection.close()
        _ = try await presenter.closeCode()
        try await Task.sleep(for: .milliseconds(50))  // everyone left: the session is unloaded

        let viewer = try await relay.viewer(token: token)
        let hello = try await viewer.nextJSON()
        #expect(hello["seq"] as? Int == 1 && hello["presenter"] as? Bool == false)
        #expect(try await viewer.nextJSON()["seq"] as? Int == 1)
        let again = try await relay.presenter("idle")
        again.send("2")
        // The presence change and the event, in either order (presence is coalesced).
        let next = [try await viewer.nextJSON(), try await viewer.nextJSON()]
        #expect(next.contains { $0["type"] as? String == "event" && $0["seq"] as? Int == 2 })
        #expect(next.contains { $0["type"] as? String == "presence" && $0["presenter"] as? Bool == true })
        await relay.stop()
    }

    @Test func environmentVariablesSetTheRelayLimits() throws {
        let loaded = try RelayConfiguration.load(file: nil, environment: [
            "SHARE_RELAY_STALL_TIMEOUT": "0.5", "SHARE_RELAY_HISTORY_MAX_EVENTS": "7",
            "SHARE_RELAY_HISTORY_MAX_BYTES": "2000000", "SHARE_RELAY_MAX_EVENT_BYTES": "1000",
            "SHARE_RELAY_MAX_VIEWERS_PER_SHARE": "3", "SHARE_RELAY_PING_INTERVAL": "2",
        ], flags: [:])
        let settings = try RelayServerConfiguration(loaded).relaySettings
        #expect(settings.stallTimeout == .milliseconds(500))
        #expect(settings.history.maxEvents == 7 && settings.history.maxBytes == 2_000_000)
        #expect(settings.maxEventBytes == 1000 && settings.viewerLimits.perShare == 3)
        #expect(settings.pingInterval == .seconds(2))
        #expect(throws: ConfigurationError.self) {
            _ = try RelayConfiguration.load(file: nil, environment: ["SHARE_RELAY_MAX_EVENT_BYTES": "lots"], flags: [:])
        }
    }

    @Test func handshakeLimitZeroMeansNoLimit() throws {
        let loaded = try RelayConfiguration.load(file: nil, environment: ["SHARE_RELAY_HANDSHAKES_PER_ADDRESS_PER_SECOND": "0"], flags: [:])
        #expect(try RelayServerConfiguration(loaded).relaySettings.handshakesPerAddressPerSecond == Int.max)
    }

    @Test func settingsThisBuildCannotServeAreRefusedByName() throws {
        let postgres = try RelayConfiguration.load(file: nil, environment: [:], flags: [
            "store.kind": "postgres", "store.postgresURL": "postgres://relay:secret@db/share",
        ])
        do {
            _ = try RelayServerConfiguration(postgres)
            Issue.record("store.kind postgres was accepted")
        } catch {
            #expect(error.key == "store.kind")
        }
    }

    @Test func everyListenAddressAndTheTrustedProxiesReachTheServerConfiguration() throws {
        let loaded = try RelayConfiguration.load(file: nil, environment: ["SHARE_RELAY_TRUSTED_PROXIES": "127.0.0.1, fd00::/8"], flags: [
            "listen": "127.0.0.1:1,[::1]:2",
        ])
        let configuration = try RelayServerConfiguration(loaded)
        #expect(configuration.listenAddresses.map(\.description) == ["127.0.0.1:1", "[::1]:2"])
        #expect(configuration.host == "127.0.0.1" && configuration.port == 1)
        #expect(configuration.trustedProxies.map(\.description) == ["127.0.0.1", "fd00::/8"])
    }
}
