import Foundation
import Logging
import RelayConfiguration
import RelayServer
import Testing

/// `trustedProxies` end to end: behind a trusted proxy the forwarded address is the client for
/// the per-address limits and the logs; from anyone else the forwarded headers are ignored.
@Suite(.timeLimit(.minutes(1))) final class TrustedProxyTests {
    let relay = TestRelay()
    let shareCall = #"{"jsonrpc":"2.0","id":1,"method":"session.share","params":{"session_id":"abc"}}"#

    deinit {
        relay.remove()
    }

    /// One `POST /rpc` with a wrong key, claiming to be forwarded for `client`.
    func wrongKey(forwardedFor client: String) async throws -> Int {
        let connection = try await relay.connect()
        try await connection.postRPC(shareCall, headers: [
            "Content-Type: application/json", "Authorization: Bearer wrong-key", "X-Forwarded-For: \(client)",
        ])
        let status = try await connection.readResponse().status
        await connection.close()
        return status
    }

    @Test func forwardedClientsBehindATrustedProxyHaveSeparateAuthFailureBudgets() async throws {
        try await relay.start {
            $0.trustedProxies = [IPAddressRange(parsing: "127.0.0.1/32")!]
            $0.authFailureLimit = AuthFailureLimit(maximumFailures: 2)
        }
        #expect(try await wrongKey(forwardedFor: "203.0.113.1") == 401)
        #expect(try await wrongKey(forwardedFor: "203.0.113.1") == 401)
        #expect(try await wrongKey(forwardedFor: "203.0.113.1") == 429)
        // Another client behind the same proxy still has its own budget.
        #expect(try await wrongKey(forwardedFor: "203.0.113.2") == 401)
        // A client cannot escape its budget by prepending an address: the proxy's entry is last.
        #expect(try await wrongKey(forwardedFor: "198.51.100.9, 203.0.113.1") == 429)
        await relay.stop()
    }

    @Test func withoutTrustedProxiesForwardedHeadersAreIgnored() async throws {
        try await relay.start { $0.authFailureLimit = AuthFailureLimit(maximumFailures: 2) }
        #expect(try await wrongKey(forwardedFor: "203.0.113.1") == 401)
        #expect(try await wrongKey(forwardedFor: "203.0.113.1") == 401)
        // The same TCP peer: one budget, whatever the header says.
        #expect(try await wrongKey(forwardedFor: "203.0.113.2") == 429)
        await relay.stop()
    }

    @Test func aPeerOutsideTheTrustedRangesCannotChooseItsAddress() async throws {
        try await relay.start {
            $0.trustedProxies = [IPAddressRange(parsing: "127.0.0.2")!]
            $0.authFailureLimit = AuthFailureLimit(maximumFailures: 1)
        }
        #expect(try await wrongKey(forwardedFor: "203.0.113.1") == 401)
        #expect(try await wrongKey(forwardedFor: "203.0.113.2") == 429)
        await relay.stop()
    }

    static func closeLines(_ logs: ConnectionLogTests.CapturedLogs, count: Int) async throws -> [Logger.Metadata] {
        let deadline = ContinuousClock.now + .seconds(5)
        while logs.all.filter({ $0.0 == "connection closed" }).count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return logs.all.filter { $0.0 == "connection closed" }.map(\.1)
    }

    @Test func connectionLogsShowTheForwardedClientAddress() async throws {
        let logs = ConnectionLogTests.CapturedLogs()
        let logger = Logger(label: "trusted-proxy-log-test") { _ in ConnectionLogTests.CapturingHandler(logs: logs) }
        let live = try await LiveRelay.start(logger: logger, configure: {
            $0.trustedProxies = [IPAddressRange(parsing: "127.0.0.1")!, IPAddressRange(parsing: "::1")!]
        })
        let unknown = "clw_share_" + String(repeating: "Z", count: 32)
        let viewer = try await live.connect(
            "/v1/view", subprotocols: ["share-relay.v1", unknown], headers: [("X-Forwarded-For", "198.51.100.7")]
        )
        #expect(try await viewer.closeCode().code == 4401)
        let presenter = try await live.connect(
            "/v1/sessions/logged/publish",
            headers: [("Authorization", "Bearer \(testOwnerKey)"), ("X-Real-IP", "2001:db8::42")]
        )
        #expect(try await presenter.nextJSON()["type"] as? String == "ready")
        presenter.connection.close()
        let closes = try await Self.closeLines(logs, count: 2)
        #expect(closes.first { $0["role"] == "viewer" }?["client"] == "198.51.100.7")
        #expect(closes.first { $0["role"] == "presenter" }?["client"] == "2001:db8::42")
        await live.stop()
    }

    @Test func connectionLogsIgnoreForwardedHeadersFromUntrustedPeers() async throws {
        let logs = ConnectionLogTests.CapturedLogs()
        let logger = Logger(label: "untrusted-proxy-log-test") { _ in ConnectionLogTests.CapturingHandler(logs: logs) }
        let live = try await LiveRelay.start(logger: logger)
        let unknown = "clw_share_" + String(repeating: "Z", count: 32)
        let viewer = try await live.connect(
            "/v1/view", subprotocols: ["share-relay.v1", unknown], headers: [("X-Forwarded-For", "198.51.100.7")]
        )
        #expect(try await viewer.closeCode().code == 4401)
        let closes = try await Self.closeLines(logs, count: 1)
        #expect(closes.first?["client"] == "127.0.0.1")
        await live.stop()
    }
}

/// The viewer handshake limit per client address answers HTTP 429 before any upgrade.
@Suite(.timeLimit(.minutes(1))) struct ViewerHandshakeLimitTests {
    typealias Outcome = (status: Int, retryAfter: String?)

    /// One raw viewer upgrade request on an open connection; the response's status and Retry-After.
    static func upgrade(_ connection: TestHTTPConnection, headers: [String] = []) async throws -> Outcome {
        let lines = [
            "GET /v1/view HTTP/1.1", "Host: x", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Protocol: share-relay.v1, clw_share_\(String(repeating: "Z", count: 32))",
        ] + headers
        try await connection.send(lines.joined(separator: "\r\n") + "\r\n\r\n")
        let response = try await connection.readResponse()
        await connection.close()
        return (response.status, response.headers["retry-after"])
    }

    static func wallClockSecond() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) / 1000 }

    /// Sends the upgrade requests (given as their extra headers) one after the other, all within
    /// one wall-clock second: the limiter counts in whole seconds, so requests spread over two
    /// seconds prove nothing, and a loaded machine can be slow. Connections are opened first, the
    /// requests start at the top of a second, and a run that crossed a second is tried again.
    static func upgradesWithinOneSecond(port: Int, _ requests: [[String]]) async throws -> [Outcome] {
        for _ in 1...5 {
            var connections: [TestHTTPConnection] = []
            for _ in requests { connections.append(try await TestHTTPConnection.connect(port: port)) }
            let milliseconds = Int(Date().timeIntervalSince1970 * 1000) % 1000
            try await Task.sleep(for: .milliseconds(1000 - milliseconds + 5))
            let second = wallClockSecond()
            var outcomes: [Outcome] = []
            for (connection, headers) in zip(connections, requests) {
                outcomes.append(try await upgrade(connection, headers: headers))
            }
            if wallClockSecond() == second { return outcomes }
        }
        throw TestHTTPError("could not fit \(requests.count) handshakes into one second in 5 tries")
    }

    @Test func thirdViewerHandshakeInOneSecondGets429BeforeTheUpgrade() async throws {
        let relay = try await LiveRelay.start { $0.handshakesPerAddressPerSecond = 2 }
        let outcomes = try await Self.upgradesWithinOneSecond(port: relay.port, [[], [], []])
        #expect(outcomes.map(\.status) == [101, 101, 429])
        #expect(outcomes[2].retryAfter == "1")
        await relay.stop()
    }

    @Test func forwardedClientsHaveSeparateHandshakeBudgets() async throws {
        let relay = try await LiveRelay.start(
            { $0.handshakesPerAddressPerSecond = 1 },
            configure: { $0.trustedProxies = [IPAddressRange(parsing: "127.0.0.1")!] }
        )
        let first = "X-Forwarded-For: 203.0.113.1", second = "X-Forwarded-For: 203.0.113.2"
        let outcomes = try await Self.upgradesWithinOneSecond(port: relay.port, [[first], [first], [second]])
        #expect(outcomes.map(\.status) == [101, 429, 101])
        await relay.stop()
    }
}
