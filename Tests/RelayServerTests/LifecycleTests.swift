import Foundation
import NIOCore
import RelayServer
import ShareStore
import Testing

@Suite(.timeLimit(.minutes(1))) final class LifecycleTests {
    let relay = TestRelay()

    deinit {
        relay.remove()
    }

    @Test func sharesCreatedBeforeARestartAreAllThereAfterIt() async throws {
        try await relay.start()
        var tokens: [String] = []
        for _ in 0..<3 {
            let response = try await relay.rpc(#"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc123"}}"#)
            tokens.append(String(try #require(response.body.components(separatedBy: #""shareToken":""#).last?.prefix(42))))
        }
        await relay.stop()

        let restarted = TestRelay(clock: relay.clock, dataDirectory: relay.dataDirectory)
        try await restarted.start()
        let list = try await restarted.rpc(#"{"jsonrpc":"2.0","id":2,"method":"session.shareList","params":{"session_id":"abc123"}}"#)
        for token in tokens {
            #expect(list.body.contains(token))
        }
        await restarted.stop()
    }

    @Test func startingTwiceIsRefused() async throws {
        try await relay.start()
        await #expect(throws: RelayServerError.alreadyStarted) {
            _ = try await self.relay.server.start(RelayServerConfiguration(port: 0, environment: [:]))
        }
        await relay.stop()
    }

    @Test func portInUseIsAClearError() async throws {
        try await relay.start()
        let second = RelayServer()
        var configuration = RelayServerConfiguration(port: relay.port, dataDirectory: relay.dataDirectory, ownerKeys: ["k"], environment: [:])
        configuration.storage = FailingStorage()
        var failure: RelayServerError?
        do {
            _ = try await second.start(configuration)
        } catch {
            failure = error
        }
        #expect(failure?.description == "cannot listen on 127.0.0.1:\(relay.port): address already in use")
        await relay.stop()
    }

    @Test func invalidConfigurationIsRefusedNamingTheSetting() async throws {
        var configuration = RelayServerConfiguration(port: 70_000, environment: [:])
        configuration.storage = FailingStorage()
        await #expect(throws: RelayServerError.invalidConfiguration("port 70000 is not between 0 and 65535")) {
            _ = try await RelayServer().start(configuration)
        }
    }

    @Test func shutdownLetsAnInFlightRequestFinishThenStopsAccepting() async throws {
        let base = try await SQLiteShareStore.open(dataDirectory: relay.dataDirectory, clock: relay.clock)
        // The store answers after 1 s, so the shutdown (started 100 ms in) reaches the connection
        // while the request is still in flight even on a loaded machine.
        try await relay.start { $0.storage = SlowStorage(base: base, delay: .milliseconds(1000)) }
        let connection = try await relay.connect()
        try await connection.postRPC(
            #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#,
            headers: ["Content-Type: application/json", "Authorization: Bearer \(testOwnerKey)"]
        )
        try await Task.sleep(for: .milliseconds(100))  // the request is now in flight
        let relay = self.relay
        let stopping = Task { await relay.stop() }
        let response = try await connection.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        _ = await connection.readUntilClosed()
        #expect(connection.isClosed)
        await stopping.value
        await #expect(throws: (any Error).self) { _ = try await self.relay.connect() }
        await base.close()
    }

    @Test func shutdownClosesIdleKeepAliveConnectionsAtOnce() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try await connection.readResponse()
        let started = ContinuousClock.now
        await relay.stop()
        _ = await connection.readUntilClosed()
        #expect(connection.isClosed)
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func newerDatabaseIsRefusedAtStartWithAClearMessage() async throws {
        let store = try await SQLiteShareStore.open(dataDirectory: relay.dataDirectory)
        await store.close()
        try RawDatabase(path: relay.databasePath).execute("PRAGMA user_version = 42")
        var configuration = RelayServerConfiguration(port: 0, dataDirectory: relay.dataDirectory, ownerKeys: ["k"], environment: [:])
        configuration.eventLoopThreads = 1
        do {
            _ = try await RelayServer().start(configuration)
            Issue.record("expected the newer database to be refused")
        } catch {
            #expect(error.description.contains("schema version 42"))
            #expect(error.description.contains("written by a newer release"))
        }
    }
}
