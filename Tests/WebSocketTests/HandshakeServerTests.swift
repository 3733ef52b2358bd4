import Testing
@testable import WebSocket

// RFC 6455 section 4.2.1: the server's checks of an opening handshake, one test per rule.

private let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

private let validHeaders: [(name: String, value: String)] = [
    ("Host", "server.example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", sampleKey),
    ("Sec-WebSocket-Version", "13"),
]

/// The valid request with `name` removed, then `adding` appended.
private func request(
    method: String = "GET", major: Int = 1, minor: Int = 1,
    removing removed: [String] = [], adding: [(name: String, value: String)] = []
) -> WebSocketHandshakeRequest {
    let headers = validHeaders.filter { field in !removed.contains { $0.lowercased() == field.name.lowercased() } } + adding
    return WebSocketHandshakeRequest(method: method, target: "/chat", versionMajor: major, versionMinor: minor, headers: headers)
}

private func evaluate(_ request: WebSocketHandshakeRequest, policy: WebSocketServerHandshakePolicy = .init()) -> Result<WebSocketServerHandshakeAcceptance, WebSocketHandshakeRefusal> {
    WebSocketServerHandshake.evaluate(request, policy: policy)
}

private func refusal(_ request: WebSocketHandshakeRequest, policy: WebSocketServerHandshakePolicy = .init()) -> WebSocketHandshakeRefusal? {
    if case .failure(let refusal) = evaluate(request, policy: policy) { return refusal }
    return nil
}

private func acceptance(_ request: WebSocketHandshakeRequest, policy: WebSocketServerHandshakePolicy = .init()) throws -> WebSocketServerHandshakeAcceptance {
    try evaluate(request, policy: policy).get()
}

private func value(_ name: String, in headers: [(name: String, value: String)]) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
}

@Suite struct HandshakeServerTests {
    @Test func rfc6455SampleKeyYieldsSampleAcceptValue() {
        #expect(WebSocketServerHandshake.acceptValue(forKey: sampleKey) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func validRequestIsAcceptedWithUpgradeConnectionAndAcceptHeaders() throws {
        let accepted = try acceptance(request())
        #expect(accepted.responseHeaders.map(\.name) == ["Upgrade", "Connection", "Sec-WebSocket-Accept"])
        #expect(accepted.responseHeaders.map(\.value) == ["websocket", "Upgrade", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="])
        #expect(accepted.subprotocol == nil)
        #expect(accepted.offeredSubprotocols.isEmpty)
        #expect(accepted.deflate == nil)
        #expect(accepted.makeCompression() == nil)
    }

    @Test func headerNamesAreMatchedCaseInsensitively() throws {
        let headers = validHeaders.map { (name: $0.name.uppercased(), value: $0.value) }
        let accepted = try acceptance(WebSocketHandshakeRequest(method: "GET", target: "/", versionMajor: 1, versionMinor: 1, headers: headers))
        #expect(value("Sec-WebSocket-Accept", in: accepted.responseHeaders) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test(arguments: ["POST", "HEAD", "get", "PUT"])
    func methodOtherThanGetIsRefusedWith405AndAllowGet(method: String) throws {
        let refused = try #require(refusal(request(method: method)))
        #expect(refused.cause == .methodNotAllowed)
        #expect(refused.status == 405)
        #expect(value("Allow", in: refused.headers) == "GET")
    }

    @Test func http10IsRefusedWith400() throws {
        let refused = try #require(refusal(request(major: 1, minor: 0)))
        #expect(refused.cause == .httpVersionTooOld)
        #expect(refused.status == 400)
    }

    @Test func httpMajorVersion2IsRefusedWith505() throws {
        let refused = try #require(refusal(request(major: 2, minor: 0)))
        #expect(refused.cause == .httpVersionNotSupported)
        #expect(refused.status == 505)
    }

    @Test func http12IsAccepted() throws {
        _ = try acceptance(request(major: 1, minor: 2))
    }

    @Test func missingHostIsRefusedWith400() throws {
        let refused = try #require(refusal(request(removing: ["Host"])))
        #expect(refused.cause == .missingHost)
        #expect(refused.status == 400)
    }

    @Test func repeatedHostIsRefusedWith400() throws {
        let refused = try #require(refusal(request(adding: [("Host", "other.example.com")])))
        #expect(refused.cause == .duplicateHost)
        #expect(refused.status == 400)
    }

    @Test(arguments: [nil, "h2c", "websocket2", "web socket"])
    func upgradeWithoutWebsocketTokenIsRefusedWith426(upgrade: String?) throws {
        let refused = try #require(refusal(request(removing: ["Upgrade"], adding: upgrade.map { [("Upgrade", $0)] } ?? [])))
        #expect(refused.cause == .missingUpgradeWebSocket)
        #expect(refused.status == 426)
        #expect(value("Upgrade", in: refused.headers) == "websocket")
        #expect(value("Connection", in: refused.headers) == "Upgrade")
    }

    @Test(arguments: ["WebSocket", "WEBSOCKET", "h2c, websocket", "  websocket  ", "foo,websocket"])
    func upgradeTokenListIsCaseInsensitiveAndWhitespaceTolerant(upgrade: String) throws {
        _ = try acceptance(request(removing: ["Upgrade"], adding: [("Upgrade", upgrade)]))
    }

    @Test(arguments: [nil, "keep-alive", "close", "upgraded", "keep-alive upgrade"])
    func connectionWithoutUpgradeTokenIsRefusedWith426(connection: String?) throws {
        let refused = try #require(refusal(request(removing: ["Connection"], adding: connection.map { [("Connection", $0)] } ?? [])))
        #expect(refused.cause == .missingConnectionUpgrade)
        #expect(refused.status == 426)
        #expect(value("Upgrade", in: refused.headers) == "websocket")
    }

    @Test(arguments: ["upgrade", "keep-alive, Upgrade", "keep-alive ,\tUPGRADE ", "Upgrade, keep-alive", ",,upgrade,"])
    func connectionTokenListIsCaseInsensitiveAndWhitespaceTolerant(connection: String) throws {
        _ = try acceptance(request(removing: ["Connection"], adding: [("Connection", connection)]))
    }

    @Test func connectionTokenListMaySpanSeveralHeaderLines() throws {
        _ = try acceptance(request(removing: ["Connection"], adding: [("Connection", "keep-alive"), ("connection", "Upgrade")]))
    }

    @Test(arguments: [nil, "8", "12", "14", "13, 8", "", "013"])
    func webSocketVersionOtherThan13IsRefusedWith426AndSupportedVersion(version: String?) throws {
        let refused = try #require(refusal(request(removing: ["Sec-WebSocket-Version"], adding: version.map { [("Sec-WebSocket-Version", $0)] } ?? [])))
        #expect(refused.cause == .unsupportedWebSocketVersion)
        #expect(refused.status == 426)
        #expect(value("Sec-WebSocket-Version", in: refused.headers) == "13")
    }

    @Test func repeatedWebSocketVersionIsRefusedWith426() throws {
        let refused = try #require(refusal(request(adding: [("Sec-WebSocket-Version", "13")])))
        #expect(refused.cause == .unsupportedWebSocketVersion)
        #expect(refused.status == 426)
    }

    @Test func missingKeyIsRefusedWith400() throws {
        let refused = try #require(refusal(request(removing: ["Sec-WebSocket-Key"])))
        #expect(refused.cause == .missingKey)
        #expect(refused.status == 400)
    }

    @Test func repeatedKeyIsRefusedWith400() throws {
        let refused = try #require(refusal(request(adding: [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")])))
        #expect(refused.cause == .duplicateKey)
        #expect(refused.status == 400)
    }

    @Test(arguments: [
        "",                              // empty
        "dGhlIHNhbXBsZSBub25jZQ",        // padding missing
        "dGhlIHNhbXBsZSBub25j",          // 15 bytes
        "dGhlIHNhbXBsZSBub25jZQAA",      // 18 bytes (24 characters, no padding)
        "dGhlIHNhbXBsZSBub25jZWU=",      // 17 bytes
        "dGhlIHNhbXBsZSBub25jZR==",      // non-canonical: padding bits set
        "dGhlIHNhbXBsZSBub25j*Q==",      // character outside the alphabet
        "dGhlIHNhbXBs ZSBub25jZQ==",     // whitespace inside
        "dGhlIHNhbXBsZSBub25jZQ=",       // one padding character short
        "dGhlIHNhbXBsZSBub25jZQ==dGhl",  // trailing data after padding
    ])
    func keyThatIsNotBase64Of16BytesIsRefusedWith400(key: String) throws {
        let refused = try #require(refusal(request(removing: ["Sec-WebSocket-Key"], adding: [("Sec-WebSocket-Key", key)])))
        #expect(refused.cause == .invalidKey)
        #expect(refused.status == 400)
    }

    @Test func keySurroundedByWhitespaceIsTrimmedBeforeHashing() throws {
        let accepted = try acceptance(request(removing: ["Sec-WebSocket-Key"], adding: [("Sec-WebSocket-Key", "  \(sampleKey)\t")]))
        #expect(value("Sec-WebSocket-Accept", in: accepted.responseHeaders) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func originHookReceivesTheOriginAndItsRefusalIs403() throws {
        let policy = WebSocketServerHandshakePolicy(checkOrigin: { $0 == "https://good.example" })
        _ = try acceptance(request(adding: [("Origin", "https://good.example")]), policy: policy)
        let refused = try #require(refusal(request(adding: [("Origin", "https://evil.example")]), policy: policy))
        #expect(refused.cause == .originRejected)
        #expect(refused.status == 403)
    }

    @Test func originHookReceivesNilWhenOriginIsAbsent() throws {
        let policy = WebSocketServerHandshakePolicy(checkOrigin: { $0 != nil })
        let refused = try #require(refusal(request(), policy: policy))
        #expect(refused.status == 403)
    }

    @Test func repeatedOriginIsRefusedWith400() throws {
        let refused = try #require(refusal(request(adding: [("Origin", "https://a.example"), ("Origin", "https://b.example")])))
        #expect(refused.cause == .duplicateOrigin)
        #expect(refused.status == 400)
    }

    @Test func defaultPolicyAcceptsAnyOrigin() throws {
        _ = try acceptance(request(adding: [("Origin", "https://anything.example")]))
    }

    @Test func subprotocolsAreParsedFromSeveralHeaderLinesInOrder() throws {
        let policy = WebSocketServerHandshakePolicy(selectSubprotocol: { $0.contains("v2.relay") ? "v2.relay" : nil })
        let accepted = try acceptance(
            request(adding: [("Sec-WebSocket-Protocol", "chat, superchat"), ("sec-websocket-protocol", " v2.relay ,, ")]),
            policy: policy)
        #expect(accepted.offeredSubprotocols == ["chat", "superchat", "v2.relay"])
        #expect(accepted.subprotocol == "v2.relay")
        #expect(value("Sec-WebSocket-Protocol", in: accepted.responseHeaders) == "v2.relay")
    }

    @Test func noSubprotocolHeaderIsSentWhenThePolicySelectsNone() throws {
        let accepted = try acceptance(request(adding: [("Sec-WebSocket-Protocol", "chat")]))
        #expect(accepted.offeredSubprotocols == ["chat"])
        #expect(accepted.subprotocol == nil)
        #expect(value("Sec-WebSocket-Protocol", in: accepted.responseHeaders) == nil)
    }

    @Test func selectorIsNotAskedWhenNoSubprotocolIsOffered() throws {
        let policy = WebSocketServerHandshakePolicy(selectSubprotocol: { _ in "chat" })
        let accepted = try acceptance(request(), policy: policy)
        #expect(accepted.subprotocol == nil)
        #expect(value("Sec-WebSocket-Protocol", in: accepted.responseHeaders) == nil)
    }

    @Test func selectedSubprotocolThatWasNotOfferedIsNotSent() throws {
        let policy = WebSocketServerHandshakePolicy(selectSubprotocol: { _ in "not-offered" })
        let accepted = try acceptance(request(adding: [("Sec-WebSocket-Protocol", "chat")]), policy: policy)
        #expect(accepted.subprotocol == nil)
        #expect(value("Sec-WebSocket-Protocol", in: accepted.responseHeaders) == nil)
    }

    @Test(arguments: ["chat, super chat", "a/b", "chat;v=1", "\"chat\""])
    func subprotocolListWithNonTokensIsRefusedWith400(header: String) throws {
        let refused = try #require(refusal(request(adding: [("Sec-WebSocket-Protocol", header)])))
        #expect(refused.cause == .invalidSubprotocolList)
        #expect(refused.status == 400)
    }

    @Test func checksRunInDocumentedOrderSoTheFirstBrokenRuleDecides() throws {
        // Wrong method and wrong version and no key: the method decides.
        let refused = try #require(refusal(request(method: "POST", minor: 0, removing: ["Sec-WebSocket-Key", "Host"])))
        #expect(refused.cause == .methodNotAllowed)
        // A bad version with a bad key: the version decides (another version may use another key format).
        let versionFirst = try #require(refusal(request(removing: ["Sec-WebSocket-Version", "Sec-WebSocket-Key"], adding: [("Sec-WebSocket-Version", "8"), ("Sec-WebSocket-Key", "x")])))
        #expect(versionFirst.cause == .unsupportedWebSocketVersion)
    }

    @Test(arguments: WebSocketHandshakeRefusal.Cause.allCases)
    func everyRefusalHasAnErrorStatusReasonPhraseAndPlainTextBody(cause: WebSocketHandshakeRefusal.Cause) {
        let refusal = WebSocketHandshakeRefusal(cause)
        #expect([400, 403, 405, 426, 505].contains(refusal.status))
        #expect(!refusal.reason.isEmpty)
        #expect(!refusal.body.isEmpty && refusal.body.count < 100)
        #expect(refusal.body.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\r" && $0 != "\n" })
    }

    @Test func refusalEqualityComparesHeaders() {
        var modified = WebSocketHandshakeRefusal(.methodNotAllowed)
        #expect(modified == WebSocketHandshakeRefusal(.methodNotAllowed))
        modified.headers = [("Allow", "GET, HEAD")]
        #expect(modified != WebSocketHandshakeRefusal(.methodNotAllowed))
    }

    @Test func deflateIsNegotiatedOnlyWhenThePolicyEnablesIt() throws {
        let offer: [(name: String, value: String)] = [("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")]
        let without = try acceptance(request(adding: offer))
        #expect(without.deflate == nil)
        #expect(value("Sec-WebSocket-Extensions", in: without.responseHeaders) == nil)

        let with = try acceptance(request(adding: offer), policy: .init(permessageDeflate: .init(serverNoContextTakeover: true)))
        #expect(with.deflate == PerMessageDeflateParameters(serverNoContextTakeover: true))
        #expect(value("Sec-WebSocket-Extensions", in: with.responseHeaders) == "permessage-deflate; server_no_context_takeover")
        #expect(with.makeCompression() != nil)
    }

    @Test func unacceptableExtensionOfferDoesNotRefuseTheHandshake() throws {
        let accepted = try acceptance(
            request(adding: [("Sec-WebSocket-Extensions", "permessage-deflate; bogus, x-other; a=\"unterminated")]),
            policy: .init(permessageDeflate: .init()))
        #expect(accepted.deflate == nil)
        #expect(value("Sec-WebSocket-Extensions", in: accepted.responseHeaders) == nil)
    }
}
