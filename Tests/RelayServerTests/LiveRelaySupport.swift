import Foundation
import Logging
import NIOCore
import NIOPosix
import Relay
import RelayServer
import ShareStore
import WebSocket
import WebSocketNIO

/// A relay in-process on 127.0.0.1:0 with the real clock (expiry timers are real), a fresh data
/// directory and a client event loop for our WebSocket client.
final class LiveRelay: @unchecked Sendable {
    let server = RelayServer()
    let dataDirectory = (NSTemporaryDirectory() as NSString).appendingPathComponent("live-relay-\(UUID().uuidString)")
    let clients = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var store: SQLiteShareStore!
    private(set) var port = 0

    var databasePath: String { (dataDirectory as NSString).appendingPathComponent(SQLiteShareStore.fileName) }

    static func start(
        historyStore: (any EventHistoryStore)? = nil,
        logger: Logger? = nil,
        _ adjust: (inout RelaySettings) -> Void = { _ in },
        configure: (inout RelayServerConfiguration) -> Void = { _ in }
    ) async throws -> LiveRelay {
        let relay = LiveRelay()
        var logger = logger ?? Logger(label: "live-relay-tests")
        if logger.label == "live-relay-tests" { logger.logLevel = .critical }
        relay.store = try await SQLiteShareStore.open(dataDirectory: relay.dataDirectory, clock: SystemWallClock())
        var settings = RelaySettings()
        adjust(&settings)
        var configuration = RelayServerConfiguration(
            host: "127.0.0.1", port: 0, dataDirectory: relay.dataDirectory, ownerKeys: [testOwnerKey],
            environment: [:], eventLoopThreads: 1, storage: relay.store, logger: logger, relaySettings: settings,
            historyStore: historyStore
        )
        configure(&configuration)
        relay.port = try await relay.server.start(configuration).port ?? 0
        return relay
    }

    func stop() async {
        await server.shutdown()
        await store.close()
        try? await clients.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    func share(_ session: String, lifetime: ShareLifetime = .indefinite) async throws -> String {
        try await store.createShare(sessionID: SessionID(session)!, lifetime: lifetime).token.rawValue
    }

    func connect(
        _ target: String, subprotocols: [String] = [], headers: [(name: String, value: String)] = [],
        host: String = "127.0.0.1", port: Int? = nil
    ) async throws -> Client {
        let url = WebSocketURL(host: host, port: port ?? self.port, target: target)
        let options = WebSocketClient.Options(
            subprotocols: subprotocols, headers: headers,
            configuration: WebSocketHandlerConfiguration(pingInterval: nil)
        )
        return Client(try await AsyncWebSocketConnection.connect(to: url, options: options, on: clients))
    }

    func presenter(_ session: String) async throws -> Client {
        let client = try await connect("/v1/sessions/\(session)/publish", headers: [("Authorization", "Bearer \(testOwnerKey)")])
        let ready = try await client.nextJSON()
        precondition(ready["type"] as? String == "ready")
        return client
    }

    func viewer(token: String, query: String = "") async throws -> Client {
        try await connect("/v1/view\(query)", subprotocols: ["share-relay.v1", token])
    }
}

/// Collects a connection's events so tests can await them with a deadline.
final class Client: @unchecked Sendable {
    let connection: AsyncWebSocketConnection
    private let lock = NSLock()
    private var inbox: [AsyncWebSocketEvent] = []
    private var done = false

    init(_ connection: AsyncWebSocketConnection) {
        self.connection = connection
        Task { [weak self] in
            for await event in connection.events {
                self?.append(event)
            }
            self?.finish()
        }
    }

    private func append(_ event: AsyncWebSocketEvent) { lock.withLock { inbox.append(event) } }
    private func finish() { lock.withLock { done = true } }

    func send(_ text: String) { connection.send(text: text) }

    /// The next event, waiting up to `timeout`.
    func next(timeout: Duration = .seconds(5)) async throws -> AsyncWebSocketEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = lock.withLock({ inbox.isEmpty ? nil : inbox.removeFirst() }) { return event }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw TestHTTPError("no event within \(timeout)")
    }

    func nextText(timeout: Duration = .seconds(5)) async throws -> String {
        let event = try await next(timeout: timeout)
        guard case let .message(message) = event, let text = message.text else { throw TestHTTPError("expected text, got \(event)") }
        return text
    }

    func nextJSON(timeout: Duration = .seconds(5)) async throws -> [String: Any] {
        try Self.jsonObject(try await nextText(timeout: timeout))
    }

    private static func jsonObject(_ text: String) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestHTTPError("not an object: \(text)")
        }
        return object
    }

    /// The next message that is not a (coalesced, so loosely timed) `presence` message, as text.
    func nextNonPresenceText(timeout: Duration = .seconds(5)) async throws -> String {
        while true {
            let text = try await nextText(timeout: timeout)
            if !text.hasPrefix(#"{"type":"presence""#) { return text }
        }
    }

    /// The next message that is not a `presence` message, as a JSON object.
    func nextNonPresenceJSON(timeout: Duration = .seconds(5)) async throws -> [String: Any] {
        try Self.jsonObject(try await nextNonPresenceText(timeout: timeout))
    }

    /// Skips messages until the close; returns its code and how many messages were skipped.
    func closeCode(timeout: Duration = .seconds(5)) async throws -> (code: UInt16?, skipped: Int) {
        var skipped = 0
        while true {
            switch try await next(timeout: timeout) {
            case .message: skipped += 1
            case let .closed(code): return (code?.rawValue, skipped)
            }
        }
    }
}
