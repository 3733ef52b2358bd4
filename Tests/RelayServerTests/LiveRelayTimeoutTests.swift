import Foundation
import Testing
import Logging

/// `limits.handshakeTimeout`: a client that never finishes its first request (slowloris) is
/// dropped; one that finished it in time keeps its connection (keep-alive, WebSocket).
@Suite struct HandshakeTimeoutTests {
    @Test func firstRequestNotCompleteWithinTheHandshakeTimeoutIsClosed() async throws {
        let relay = try await LiveRelay.start { $0.handshakeTimeout = .milliseconds(1500) }
        // Measured from before the connect: the deadline runs from the server's accept.
        let started = ContinuousClock.now
        let slow = try await TestHTTPConnection.connect(port: relay.port)
        try? await slow.send("GET /v1/view HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr")
        _ = await slow.readUntilClosed()
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(1500) && waited < .seconds(10), "closed after \(waited)")

        // A completed request cancels the deadline: the WebSocket outlives it.
        let token = try await relay.share("timely")
        let viewer = try await relay.viewer(token: token)
        #expect(try await viewer.nextJSON()["type"] as? String == "hello")
        try await Task.sleep(for: .milliseconds(2000))
        let presenter = try await relay.presenter("timely")
        presenter.send(#"{"still":"here"}"#)
        #expect(try await viewer.nextNonPresenceText().contains(#""still":"here""#))
        await relay.stop()
    }
}

/// Keepalive (`timeouts.pingInterval`, `timeouts.pong`): a viewer that answers pings stays
/// connected across many intervals; one that stops answering is dropped as dead (1011).
@Suite struct KeepaliveTests {
    @Test func viewerThatStopsAnsweringPingsIsDroppedAndOneThatAnswersStays() async throws {
        let relay = try await LiveRelay.start {
            $0.pingInterval = .milliseconds(400)
            $0.pongTimeout = .milliseconds(600)
        }
        let token = try await relay.share("alive")
        let alive = try await relay.viewer(token: token)
        #expect(try await alive.nextJSON()["type"] as? String == "hello")
        let dead = try await relay.viewer(token: token)
        #expect(try await dead.nextJSON()["type"] as? String == "hello")
        dead.connection.setReading(false)

        try await Task.sleep(for: .milliseconds(2500))
        dead.connection.setReading(true)
        let code = try await dead.closeCode(timeout: .seconds(5)).code
        // The relay sent 1011 and closed TCP; depending on timing the client reads the close
        // frame (1011) or only sees the connection drop (1006).
        #expect(code == 1011 || code == 1006, "closed with \(String(describing: code))")

        let presenter = try await relay.presenter("alive")
        presenter.send(#"{"still":"alive"}"#)
        #expect(try await alive.nextNonPresenceText().contains(#""still":"alive""#))
        await relay.stop()
    }
}

/// One log line per connection at close: role, session, close code, duration; tokens redacted.
@Suite struct ConnectionLogTests {
    final class CapturedLogs: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [(String, Logger.Metadata)] = []
        func append(_ message: String, _ metadata: Logger.Metadata) { lock.withLock { lines.append((message, metadata)) } }
        var all: [(String, Logger.Metadata)] { lock.withLock { lines } }
    }

    struct CapturingHandler: LogHandler {
        let logs: CapturedLogs
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            logs.append("\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })
        }
    }

    @Test func closedConnectionsAreLoggedOnceWithRoleSessionCodeAndARedactedToken() async throws {
        let logs = CapturedLogs()
        let logger = Logger(label: "connection-log-test") { _ in CapturingHandler(logs: logs) }
        let relay = try await LiveRelay.start(logger: logger)
        let token = try await relay.share("logged")
        let viewer = try await relay.viewer(token: token)
        #expect(try await viewer.nextJSON()["type"] as? String == "hello")
        viewer.send("viewers are read-only")
        #expect(try await viewer.closeCode().code == 1008)
        let unknown = "clw_share_" + String(repeating: "Z", count: 32)
        let refused = try await relay.viewer(token: unknown)
        #expect(try await refused.closeCode().code == 4401)
        // The relay logs when TCP is gone, a moment after the client saw the close frame.
        let deadline = ContinuousClock.now + .seconds(5)
        while logs.all.filter({ $0.0 == "connection closed" }).count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }

        let closes = logs.all.filter { $0.0 == "connection closed" }.map(\.1)
        let readOnly = try #require(closes.first { $0["code"] == "1008" })
        #expect(readOnly["role"] == "viewer")
        #expect(readOnly["session"] == "logged")
        #expect(readOnly["duration_ms"] != nil)
        let unknownLine = try #require(closes.first { $0["code"] == "4401" })
        #expect(unknownLine["token"]?.description.hasSuffix("…") == true)
        for line in logs.all {
            #expect(!"\(line)".contains(token) && !"\(line)".contains(unknown), "a token was logged in full")
        }
        await relay.stop()
    }
}
