import Foundation
import Testing
import TestWebSocketSupport
import WebSocket

/// The relay's side of a closing handshake it starts (revocation here), seen by a raw client that
/// keeps its socket open after the end of the stream: the close frame and the end of the stream
/// come at once, before the client has answered (the relay half-closes, RFC 6455 section 7.1.1);
/// the relay still reads the client's close reply and then finishes the connection.
@Suite struct LiveRelayClosingHandshakeTests {
    @Test func revokedViewerGetsTheCloseFrameAndTheEndOfTheStreamBeforeItAnswers() async throws {
        let relay = try await LiveRelay.start()
        let token = try await relay.share("half-close")
        let viewer = try await HalfCloseClient.connect(port: relay.port)
        try await viewer.send(bytes: Array((
            "GET /v1/view HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: share-relay.v1, \(token)\r\n\r\n"
        ).utf8))
        try await viewer.waitUntil("the hello") { !$0.serverEvents().isEmpty }
        let hello = viewer.serverEvents()
        guard case .message(let message) = hello.first else { throw TestHTTPError("expected the hello, got \(hello)") }
        #expect(message.text?.contains(#""type":"hello""#) == true)

        let started = ContinuousClock.now
        #expect(try await MetricsEndpointTests.revoke(relay, token: token).status == 200)
        // The relay's close timeout is 5 s: without the half-close, the end of the stream would
        // only come after it (the relay waiting for our reply).
        try await viewer.waitUntil("the end of the stream", timeout: .milliseconds(2500)) { $0.state.endOfStream }
        #expect(ContinuousClock.now - started < .milliseconds(2500))
        let events = viewer.serverEvents()
        #expect(events.last == .closeReceived(code: WebSocketCloseCode(rawValue: 4403), reason: "share revoked"))
        #expect(events.dropLast().allSatisfy { if case .message = $0 { true } else { false } }, "\(events)")

        // Only our write side is left, and the relay is still reading it: the viewer is open.
        let lingering = try await MetricsEndpointTests.scrapeUntil(relay) { _ in true }
        #expect(lingering[#"share_relay_open_connections{role="viewer"}"#] == 1)
        // Our reply (1000 rather than the echo, so the count shows the relay read it) ends it.
        try await viewer.sendCloseReply(code: .normalClosure)
        let samples = try await MetricsEndpointTests.scrapeUntil(relay) {
            $0[#"share_relay_open_connections{role="viewer"}"#] == 0
        }
        #expect(samples[#"share_relay_open_connections{role="viewer"}"#] == 0)
        #expect(samples[#"share_relay_connections_closed_total{role="viewer",code="1000"}"#] == 1)
        viewer.close()
        await relay.stop()
    }

    /// An independent client (Python websockets) sees the half-close as a clean closing
    /// handshake: it received 4403 first, then sent its reply, and was not kept waiting.
    @Test func pythonViewerOfARevokedShareClosesCleanlyAtOnce() async throws {
        guard let python = LivePython.path else {
            if LivePython.isRequired { Issue.record("Python with websockets not found (SHARE_RELAY_TEST_PYTHON)") }
            return
        }
        let relay = try await LiveRelay.start()
        let token = try await relay.share("half-close-python")
        let script = """
            import asyncio, json, sys, urllib.request
            from websockets.asyncio.client import connect
            from websockets.exceptions import ConnectionClosed
            port, token, key = sys.argv[1], sys.argv[2], sys.argv[3]
            def revoke():
                body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.revokeShare", "params": {"share_token": token}}).encode()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/rpc", data=body, headers={"Content-Type": "application/json", "Authorization": "Bearer " + key})
                return json.loads(urllib.request.urlopen(request, timeout=5).read())["result"]["ok"]
            async def main():
                async with connect(f"ws://127.0.0.1:{port}/v1/view", subprotocols=["share-relay.v1", token]) as viewer:
                    print("viewer", json.loads(await viewer.recv())["type"])
                    loop = asyncio.get_running_loop()
                    started = loop.time()
                    print("revoke ok", await asyncio.to_thread(revoke))
                    try:
                        while True:
                            await viewer.recv()
                    except ConnectionClosed as closed:
                        print("closed", closed.rcvd.code if closed.rcvd else None, closed.rcvd_then_sent, loop.time() - started < 2.0)
            asyncio.run(main())
            """
        let (status, output) = try await LivePython.run(python, script: script, arguments: ["\(relay.port)", token, testOwnerKey])
        #expect(status == 0, "\(output)")
        #expect(output.contains("viewer hello"), "\(output)")
        #expect(output.contains("revoke ok True"), "\(output)")
        #expect(output.contains("closed 4403 True True"), "\(output)")
        await relay.stop()
    }
}
