import Testing
@testable import WebSocket

// RFC 6455 sections 4.1 and 4.2.2 from the client side: the request we send and every check of
// the server's response.

private func value(_ name: String, in headers: [(name: String, value: String)]) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
}

/// The response a correct server gives to `handshake`, with `extra` headers appended.
private func goodResponse(to handshake: WebSocketClientHandshake, extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
    [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", handshake.expectedAccept)] + extra
}

private func failure(_ result: Result<WebSocketClientHandshakeResult, WebSocketClientHandshakeError>) -> WebSocketClientHandshakeError? {
    if case .failure(let error) = result { return error }
    return nil
}

@Suite struct HandshakeClientTests {
    @Test func requestHeadersCarryHostUpgradeConnectionKeyAndVersionInOrder() {
        let handshake = WebSocketClientHandshake(host: "relay.example:8080", target: "/s/abc?x=1")
        #expect(handshake.target == "/s/abc?x=1")
        #expect(handshake.requestHeaders.map(\.name) == ["Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version"])
        #expect(handshake.requestHeaders.map(\.value) == ["relay.example:8080", "websocket", "Upgrade", handshake.key, "13"])
    }

    @Test func emptyTargetBecomesSlash() {
        #expect(WebSocketClientHandshake(host: "h", target: "").target == "/")
    }

    @Test func keyIsBase64Of16BytesAndFreshForEveryHandshake() throws {
        let keys = (0..<32).map { _ in WebSocketClientHandshake(host: "h").key }
        for key in keys {
            #expect(Base64.decode(key)?.count == 16)
        }
        #expect(Set(keys).count == keys.count)
    }

    @Test func requestAcceptedByOurServerHasTheCorrectKeyFormat() throws {
        let handshake = WebSocketClientHandshake(host: "h")
        let request = WebSocketHandshakeRequest(method: "GET", target: handshake.target, versionMajor: 1, versionMinor: 1, headers: handshake.requestHeaders)
        let accepted = try WebSocketServerHandshake.evaluate(request, policy: .init()).get()
        #expect(value("Sec-WebSocket-Accept", in: accepted.responseHeaders) == handshake.expectedAccept)
    }

    @Test func optionalHeadersFollowInOrderWithExtraHeadersLast() {
        let handshake = WebSocketClientHandshake(
            host: "h", subprotocols: ["v2.relay", "v1.relay"], permessageDeflate: .init(clientMaxWindowBits: 12),
            extraHeaders: [("Origin", "https://app.example"), ("User-Agent", "relay-bench")])
        #expect(handshake.requestHeaders.map(\.name) == [
            "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
            "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions", "Origin", "User-Agent",
        ])
        #expect(value("Sec-WebSocket-Protocol", in: handshake.requestHeaders) == "v2.relay, v1.relay")
        #expect(value("Sec-WebSocket-Extensions", in: handshake.requestHeaders) == "permessage-deflate; client_max_window_bits=12")
    }

    @Test func fixedKeyGivesTheRFCExampleAccept() {
        let handshake = WebSocketClientHandshake(host: "h", key: "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(handshake.expectedAccept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func correctResponseIsAccepted() throws {
        let handshake = WebSocketClientHandshake(host: "h")
        let result = try handshake.validate(status: 101, headers: goodResponse(to: handshake)).get()
        #expect(result.subprotocol == nil)
        #expect(result.deflate == nil)
        #expect(result.makeCompression() == nil)
    }

    @Test func responseHeaderNamesAndTokensAreCaseInsensitive() throws {
        let handshake = WebSocketClientHandshake(host: "h")
        let headers: [(name: String, value: String)] = [
            ("UPGRADE", "WebSocket"), ("connection", "keep-alive, UPGRADE"), ("sec-websocket-accept", handshake.expectedAccept),
        ]
        _ = try handshake.validate(status: 101, headers: headers).get()
    }

    @Test(arguments: [200, 301, 400, 401, 403, 426, 500])
    func statusOtherThan101FailsTheConnection(status: Int) {
        let handshake = WebSocketClientHandshake(host: "h")
        #expect(failure(handshake.validate(status: status, headers: goodResponse(to: handshake))) == .unexpectedStatus(status))
    }

    @Test func missingUpgradeWebSocketFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h")
        let headers = goodResponse(to: handshake).filter { $0.name != "Upgrade" } + [("Upgrade", "h2c")]
        #expect(failure(handshake.validate(status: 101, headers: headers)) == .missingUpgradeWebSocket)
    }

    @Test func missingConnectionUpgradeFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h")
        let headers = goodResponse(to: handshake).filter { $0.name != "Connection" } + [("Connection", "keep-alive")]
        #expect(failure(handshake.validate(status: 101, headers: headers)) == .missingConnectionUpgrade)
    }

    @Test func missingAcceptFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h")
        let headers = goodResponse(to: handshake).filter { $0.name != "Sec-WebSocket-Accept" }
        #expect(failure(handshake.validate(status: 101, headers: headers)) == .missingAccept)
    }

    @Test func acceptForAnotherKeyFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h", key: "AAAAAAAAAAAAAAAAAAAAAA==")
        let headers = goodResponse(to: handshake).filter { $0.name != "Sec-WebSocket-Accept" } + [("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")]
        #expect(failure(handshake.validate(status: 101, headers: headers)) == .wrongAccept("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }

    @Test func repeatedAcceptFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h")
        let headers = goodResponse(to: handshake, extra: [("Sec-WebSocket-Accept", handshake.expectedAccept)])
        #expect(failure(handshake.validate(status: 101, headers: headers)) == .wrongAccept("\(handshake.expectedAccept), \(handshake.expectedAccept)"))
    }

    @Test func offeredSubprotocolSelectedByTheServerIsAccepted() throws {
        let handshake = WebSocketClientHandshake(host: "h", subprotocols: ["chat", "superchat"])
        let result = try handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Protocol", "superchat")])).get()
        #expect(result.subprotocol == "superchat")
    }

    @Test func subprotocolThatWasNotOfferedFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h", subprotocols: ["chat"])
        let result = handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Protocol", "other")]))
        #expect(failure(result) == .unexpectedSubprotocol("other"))
    }

    @Test func subprotocolWhenNoneWasOfferedFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h")
        let result = handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Protocol", "chat")]))
        #expect(failure(result) == .unexpectedSubprotocol("chat"))
    }

    @Test func moreThanOneSubprotocolFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h", subprotocols: ["chat", "superchat"])
        let result = handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Protocol", "chat, superchat")]))
        #expect(failure(result) == .unexpectedSubprotocol("chat, superchat"))
    }

    @Test func extensionWhenNoneWasOfferedFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h")
        let result = handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Extensions", "permessage-deflate")]))
        #expect(failure(result) == .unexpectedExtension("permessage-deflate"))
    }

    @Test func extensionOtherThanTheOfferedOneFailsTheConnection() {
        let handshake = WebSocketClientHandshake(host: "h", permessageDeflate: .init())
        let result = handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Extensions", "x-webkit-deflate-frame")]))
        #expect(failure(result) == .unexpectedExtension("x-webkit-deflate-frame"))
    }

    @Test(arguments: [
        "permessage-deflate, permessage-deflate",
        "permessage-deflate; server_max_window_bits=\"1",
        "permessage-deflate; =10",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover=1",
        "permessage-deflate; mystery",
    ])
    func malformedOrInvalidPermessageDeflateResponseFailsTheConnection(header: String) throws {
        let handshake = WebSocketClientHandshake(host: "h", permessageDeflate: .init())
        let error = try #require(failure(handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [("Sec-WebSocket-Extensions", header)]))))
        guard case .invalidExtensionResponse = error else {
            Issue.record("expected invalidExtensionResponse, got \(error)")
            return
        }
    }

    @Test func permessageDeflateResponseSplitOverTwoLinesCountsTwice() {
        let handshake = WebSocketClientHandshake(host: "h", permessageDeflate: .init())
        let extra: [(name: String, value: String)] = [("Sec-WebSocket-Extensions", "permessage-deflate"), ("Sec-WebSocket-Extensions", "permessage-deflate")]
        #expect(failure(handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: extra))) == .invalidExtensionResponse("permessage-deflate, permessage-deflate"))
    }

    @Test func acceptedDeflateResponseYieldsParametersAndClientCompression() throws {
        let handshake = WebSocketClientHandshake(host: "h", permessageDeflate: .init(serverMaxWindowBits: 12))
        let result = try handshake.validate(status: 101, headers: goodResponse(to: handshake, extra: [
            ("Sec-WebSocket-Extensions", "permessage-deflate; server_max_window_bits=10; client_max_window_bits=11"),
        ])).get()
        #expect(result.deflate == PerMessageDeflateParameters(serverMaxWindowBits: 10, clientMaxWindowBits: 11))
        #expect(result.makeCompression() != nil)
    }

    @Test func clientAndServerNegotiateEndToEndThroughOurOwnTypes() throws {
        let handshake = WebSocketClientHandshake(host: "h", subprotocols: ["v1"], permessageDeflate: .init(clientNoContextTakeover: true))
        let request = WebSocketHandshakeRequest(method: "GET", target: handshake.target, versionMajor: 1, versionMinor: 1, headers: handshake.requestHeaders)
        let policy = WebSocketServerHandshakePolicy(selectSubprotocol: { $0.first }, permessageDeflate: .init(serverNoContextTakeover: true, clientMaxWindowBits: 10))
        let accepted = try WebSocketServerHandshake.evaluate(request, policy: policy).get()
        let result = try handshake.validate(status: 101, headers: accepted.responseHeaders).get()
        #expect(result.subprotocol == "v1")
        #expect(result.deflate == accepted.deflate)
        #expect(result.deflate == PerMessageDeflateParameters(serverNoContextTakeover: true, clientNoContextTakeover: true, clientMaxWindowBits: 10))
    }
}
