// The client side of the WebSocket opening handshake (RFC 6455 sections 4.1 and 4.2.2): the
// request headers to send and the check of the server's response. No I/O: the NIO client writes
// `GET <target> HTTP/1.1` with `requestHeaders` and passes the response head to `validate`.

/// One opening handshake from the client side. Each value carries its own random key, so make a
/// new one per connection attempt.
public struct WebSocketClientHandshake: Sendable {
    /// The `Host` header value: host, plus `:port` when not the scheme's default.
    public var host: String
    /// The request target: path and query of the ws:// URL (`/` when empty).
    public var target: String
    /// Subprotocols to offer, most preferred first; none: no `Sec-WebSocket-Protocol` header.
    public var subprotocols: [String]
    /// permessage-deflate to offer; nil: no `Sec-WebSocket-Extensions` header.
    public var permessageDeflate: PerMessageDeflateOptions?
    /// Further headers sent after ours (e.g. `Origin`, `Authorization`, `User-Agent`).
    public var extraHeaders: [(name: String, value: String)]
    /// The `Sec-WebSocket-Key` nonce: base64 of 16 bytes from OpenSSL's CSPRNG.
    public let key: String

    public init(
        host: String,
        target: String = "/",
        subprotocols: [String] = [],
        permessageDeflate: PerMessageDeflateOptions? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) {
        self.init(host: host, target: target, subprotocols: subprotocols, permessageDeflate: permessageDeflate,
                  extraHeaders: extraHeaders, key: Base64.encode(HandshakeCrypto.randomBytes(count: 16)))
    }

    /// A handshake with a given key, for tests that need a fixed one.
    public init(
        host: String,
        target: String = "/",
        subprotocols: [String] = [],
        permessageDeflate: PerMessageDeflateOptions? = nil,
        extraHeaders: [(name: String, value: String)] = [],
        key: String
    ) {
        self.host = host
        self.target = target.isEmpty ? "/" : target
        self.subprotocols = subprotocols
        self.permessageDeflate = permessageDeflate
        self.extraHeaders = extraHeaders
        self.key = key
    }

    /// The `Sec-WebSocket-Accept` value a correct server answers for our key.
    public var expectedAccept: String {
        WebSocketServerHandshake.acceptValue(forKey: key)
    }

    /// The handshake request headers, in this order: Host, Upgrade, Connection, Sec-WebSocket-Key,
    /// Sec-WebSocket-Version, [Sec-WebSocket-Protocol], [Sec-WebSocket-Extensions], extra headers.
    public var requestHeaders: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Host", host),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", key),
            ("Sec-WebSocket-Version", "13"),
        ]
        if !subprotocols.isEmpty {
            headers.append(("Sec-WebSocket-Protocol", subprotocols.joined(separator: ", ")))
        }
        if let permessageDeflate {
            headers.append(("Sec-WebSocket-Extensions", PerMessageDeflateNegotiation.offerElement(permessageDeflate).headerValue))
        }
        return headers + extraHeaders
    }

    /// Checks the server's response (RFC 6455 section 4.1, the client's six checks, and RFC 7692
    /// section 7.1 for the extension): status 101, `Upgrade: websocket`, `Connection: upgrade`,
    /// the accept value for our key, a subprotocol only among those offered, and permessage-deflate
    /// only if offered, once, with valid parameters our offer allows. Any failure fails the
    /// WebSocket connection.
    public func validate(
        status: Int,
        headers: [(name: String, value: String)]
    ) -> Result<WebSocketClientHandshakeResult, WebSocketClientHandshakeError> {
        let headers = HTTPHeaderFields(headers)
        guard status == 101 else { return .failure(.unexpectedStatus(status)) }
        guard headers.listContains("Upgrade", token: "websocket") else { return .failure(.missingUpgradeWebSocket) }
        guard headers.listContains("Connection", token: "upgrade") else { return .failure(.missingConnectionUpgrade) }

        let accepts = headers.values("Sec-WebSocket-Accept")
        guard let accept = accepts.first else { return .failure(.missingAccept) }
        guard accepts.count == 1, accept == expectedAccept else { return .failure(.wrongAccept(accepts.joined(separator: ", "))) }

        var subprotocol: String?
        let protocols = headers.listElements("Sec-WebSocket-Protocol")
        if !protocols.isEmpty {
            guard protocols.count == 1, subprotocols.contains(String(protocols[0])) else {
                return .failure(.unexpectedSubprotocol(protocols.joined(separator: ", ")))
            }
            subprotocol = String(protocols[0])
        }

        var deflate: PerMessageDeflateParameters?
        let extensionValues = headers.values("Sec-WebSocket-Extensions")
        let extensions = WebSocketHandshakeExtensions.parse(extensionValues)
        if !extensions.isEmpty {
            guard let permessageDeflate else { return .failure(.unexpectedExtension(extensionValues.joined(separator: ", "))) }
            // We offer one extension, so the answer is at most that one, once, well-formed.
            guard extensions.count == 1, let response = extensions[0] else {
                return .failure(.invalidExtensionResponse(extensionValues.joined(separator: ", ")))
            }
            guard response.name == PerMessageDeflateNegotiation.extensionName else {
                return .failure(.unexpectedExtension(response.name))
            }
            switch PerMessageDeflateNegotiation.validateResponse(response, options: permessageDeflate) {
            case .success(let parameters): deflate = parameters
            case .failure(let failure): return .failure(.invalidExtensionResponse(failure.description))
            }
        }

        return .success(WebSocketClientHandshakeResult(subprotocol: subprotocol, deflate: deflate, deflateOptions: permessageDeflate))
    }
}
