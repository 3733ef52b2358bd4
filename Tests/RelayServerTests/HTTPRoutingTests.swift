import Foundation
import NIOCore
import NIOHTTP1
import RelayServer
import ShareStore
import Testing

@Suite(.timeLimit(.minutes(1))) final class HTTPRoutingTests {
    let relay = TestRelay()

    deinit {
        relay.remove()
    }

    @Test func healthzAnswersStatusOk() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.head == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\ncache-control: no-store\r\n\r\n")
        #expect(response.body == #"{"status":"ok"}"#)
        await connection.close()
        await relay.stop()
    }

    @Test func readyzAnswersReadyWhenTheStoreAnswers() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.status == 200)
        #expect(response.body == #"{"status":"ready"}"#)
        await relay.stop()
    }

    @Test func readyzAnswers503WhenTheStoreFails() async throws {
        try await relay.start { $0.storage = FailingStorage() }
        let connection = try await relay.connect()
        try await connection.send("GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.status == 503)
        #expect(response.body == #"{"status":"unavailable","reason":"the share store does not answer"}"#)
        await relay.stop()
    }

    @Test func readyzAnswers503WhenTheStoreDoesNotAnswerInTime() async throws {
        try await relay.start { configuration in
            configuration.storage = SlowStorage(base: FailingStorage(), delay: .seconds(2))
            configuration.readinessTimeout = .milliseconds(100)
        }
        let connection = try await relay.connect()
        let started = ContinuousClock.now
        try await connection.send("GET /readyz HTTP/1.1\r\nHost: test\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.status == 503)
        #expect(ContinuousClock.now - started < .seconds(1))
        await relay.stop()
    }

    @Test func unknownPathIs404WithAJSONBody() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("GET /nope?x=1 HTTP/1.1\r\nHost: test\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.status == 404)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.body == #"{"error":{"code":"not_found","message":"no route for /nope"}}"#)
        await relay.stop()
    }

    @Test(arguments: [("GET", "/rpc", "POST"), ("PUT", "/rpc", "POST"), ("POST", "/healthz", "GET, HEAD"), ("DELETE", "/readyz", "GET, HEAD")])
    func wrongMethodIs405WithAllow(method: String, path: String, allow: String) async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("\(method) \(path) HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.status == 405)
        #expect(response.headers["allow"] == allow)
        #expect(response.body == #"{"error":{"code":"method_not_allowed","message":"\#(method) is not allowed on \#(path); use \#(allow)"}}"#)
        await relay.stop()
    }

    @Test func headGetsTheHeadersOfGetWithoutABody() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try await connection.readResponse(isHeadResponse: true)
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "15")
        // Had the HEAD response carried a body, this would read it as the next response.
        let get = try await connection.readResponse()
        #expect(get.status == 200)
        #expect(get.body == #"{"status":"ok"}"#)
        await relay.stop()
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnectionInOrder() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        // Pipelined: three requests in one write; answers come back in order.
        try await connection.send(
            "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /readyz HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        #expect(try await connection.readResponse().status == 200)
        #expect(try await connection.readResponse().status == 404)
        #expect(try await connection.readResponse().body == #"{"status":"ready"}"#)
        try await connection.postRPC(
            #"{"jsonrpc":"2.0","id":1,"method":"session.shareList","params":{"session_id":"a"}}"#,
            headers: ["Content-Type: application/json", "Authorization: Bearer \(testOwnerKey)"]
        )
        #expect(try await connection.readResponse().status == 200)
        #expect(!connection.isClosed)
        await relay.stop()
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.headers["connection"] == "close")
        #expect(await connection.readUntilClosed() == "")
        #expect(connection.isClosed)
        await relay.stop()
    }

    @Test func http10WithoutKeepAliveIsClosedAfterTheResponse() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("GET /healthz HTTP/1.0\r\n\r\n")
        let response = try await connection.readResponse()
        #expect(response.head.hasPrefix("HTTP/1.0 200 OK\r\n"))
        _ = await connection.readUntilClosed()
        #expect(connection.isClosed)
        await relay.stop()
    }

    @Test func malformedHTTPIsAnswered400AndClosed() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send("NOT HTTP AT ALL\r\n\r\n")
        let rest = await connection.readUntilClosed()
        #expect(rest.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        await relay.stop()
    }

    @Test func webSocketUpgradeWithoutAMatchingRouteIs404AndClosed() async throws {
        try await relay.start()
        let connection = try await relay.connect()
        try await connection.send(
            "GET /v1/elsewhere HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        let response = try await connection.readResponse()
        #expect(response.status == 404)
        #expect(response.headers["connection"] == "close")
        #expect(response.body == #"{"error":{"code":"not_found","message":"no route for /v1/elsewhere"}}"#)
        _ = await connection.readUntilClosed()
        #expect(connection.isClosed)
        await relay.stop()
    }

    @Test func webSocketUpgradeToAMatchingRouteIsHandedTheChannelAndRequestHead() async throws {
        let seen = SeenHeads()
        let route = WebSocketRoute(matches: { $0.hasPrefix("/v1/sessions/") }) { channel, head in
            seen.append(head)
            // What an upgrader does: take the connection over, then speak its own protocol.
            return RelayHTTPPipeline.removeHTTPHandlers(from: channel.pipeline).flatMap {
                channel.writeAndFlush(channel.allocator.buffer(string: "HTTP/1.1 101 Switching Protocols\r\n\r\nraw bytes now"))
            }
        }
        try await relay.start { $0.webSocketRoutes = [route] }
        let connection = try await relay.connect()
        try await connection.send(
            "GET /v1/sessions/abc/publish?x=1 HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        )
        let response = try await connection.readResponse()
        #expect(response.status == 101)
        try await connection.send("after upgrade")  // no HTTP parser is left to choke on this
        try await Task.sleep(for: .milliseconds(50))
        #expect(!connection.isClosed)
        #expect(seen.uris == ["/v1/sessions/abc/publish?x=1"])
        await connection.close()
        await relay.stop()
    }

    @Test func upgradeFunctionFailureClosesTheConnection() async throws {
        struct Refused: Error {}
        let route = WebSocketRoute(path: "/v1/view") { channel, _ in channel.eventLoop.makeFailedFuture(Refused()) }
        try await relay.start { $0.webSocketRoutes = [route] }
        let connection = try await relay.connect()
        try await connection.send("GET /v1/view HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        #expect(await connection.readUntilClosed() == "")
        #expect(connection.isClosed)
        await relay.stop()
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() async throws {
        // Long enough that a busy machine still gets the request in before the connection idles.
        try await relay.start { $0.httpIdleTimeout = .seconds(1) }
        let connection = try await relay.connect()
        try await connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try await connection.readResponse()
        _ = await connection.readUntilClosed()
        #expect(connection.isClosed)
        await relay.stop()
    }
}

final class SeenHeads: @unchecked Sendable {
    private let lock = NSLock()
    private var heads: [HTTPRequestHead] = []

    func append(_ head: HTTPRequestHead) {
        lock.lock()
        heads.append(head)
        lock.unlock()
    }

    var uris: [String] {
        lock.lock()
        defer { lock.unlock() }
        return heads.map(\.uri)
    }
}
