// The server side of the WebSocket opening handshake (RFC 6455 section 4.2) as a pure function:
// a request head and a policy in, the 101 response headers or a refusal out. No I/O, no clocks.
// Compression negotiation follows RFC 7692; the compressors themselves live in PerMessageDeflate*.

/// Evaluates opening handshakes on the server.
public enum WebSocketServerHandshake {
    /// The GUID RFC 6455 appends to the key before hashing.
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Checks `request` against RFC 6455 section 4.2.1 and `policy`, in this order (the first
    /// failure decides the response): method, HTTP version, Host, Upgrade, Connection,
    /// Sec-WebSocket-Version, Sec-WebSocket-Key, Origin, Sec-WebSocket-Protocol syntax.
    /// Then selects a subprotocol and negotiates permessage-deflate (a bad or unacceptable
    /// extension offer never refuses the handshake, it is only declined).
    public static func evaluate(
        _ request: WebSocketHandshakeRequest,
        policy: WebSocketServerHandshakePolicy
    ) -> Result<WebSocketServerHandshakeAcceptance, WebSocketHandshakeRefusal> {
        let headers = HTTPHeaderFields(request.headers)

        guard request.method == "GET" else { return .failure(.init(.methodNotAllowed)) }
        guard request.versionMajor == 1 else {
            return .failure(.init(request.versionMajor < 1 ? .httpVersionTooOld : .httpVersionNotSupported))
        }
        guard request.versionMinor >= 1 else { return .failure(.init(.httpVersionTooOld)) }

        let hosts = headers.values("Host")
        guard !hosts.isEmpty else { return .failure(.init(.missingHost)) }
        guard hosts.count == 1 else { return .failure(.init(.duplicateHost)) }

        // "websocket" may carry a version suffix in general Upgrade syntax; RFC 6455 sends none.
        guard headers.listContains("Upgrade", token: "websocket") else { return .failure(.init(.missingUpgradeWebSocket)) }
        guard headers.listContains("Connection", token: "upgrade") else { return .failure(.init(.missingConnectionUpgrade)) }

        let versions = headers.values("Sec-WebSocket-Version")
        guard versions.count == 1, versions[0] == "13" else { return .failure(.init(.unsupportedWebSocketVersion)) }

        let keys = headers.values("Sec-WebSocket-Key")
        guard let key = keys.first else { return .failure(.init(.missingKey)) }
        guard keys.count == 1 else { return .failure(.init(.duplicateKey)) }
        guard Base64.decode(key)?.count == 16 else { return .failure(.init(.invalidKey)) }

        let origins = headers.values("Origin")
        guard origins.count <= 1 else { return .failure(.init(.duplicateOrigin)) }
        guard policy.checkOrigin(origins.first.map(String.init)) else { return .failure(.init(.originRejected)) }

        let offeredSubprotocols = headers.listElements("Sec-WebSocket-Protocol").map(String.init)
        guard offeredSubprotocols.allSatisfy(HTTPHeaderFields.isToken) else { return .failure(.init(.invalidSubprotocolList)) }

        var responseHeaders: [(name: String, value: String)] = [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", acceptValue(forKey: String(key))),
        ]

        var subprotocol: String?
        if !offeredSubprotocols.isEmpty, let selected = policy.selectSubprotocol(offeredSubprotocols),
           offeredSubprotocols.contains(selected) {
            subprotocol = selected
            responseHeaders.append(("Sec-WebSocket-Protocol", selected))
        }

        var deflate: PerMessageDeflateParameters?
        if let options = policy.permessageDeflate {
            let offers = WebSocketHandshakeExtensions.parse(headers.values("Sec-WebSocket-Extensions"))
            deflate = PerMessageDeflateNegotiation.acceptFirstOffer(offers, options: options)
            if let deflate {
                responseHeaders.append(("Sec-WebSocket-Extensions", deflate.responseHeaderValue))
            }
        }

        return .success(WebSocketServerHandshakeAcceptance(
            responseHeaders: responseHeaders,
            subprotocol: subprotocol,
            offeredSubprotocols: offeredSubprotocols,
            deflate: deflate,
            deflateOptions: policy.permessageDeflate
        ))
    }

    /// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)) (RFC 6455 section 4.2.2).
    /// The key is used exactly as received (after trimming surrounding whitespace).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(HandshakeCrypto.sha1(Array((key + acceptGUID).utf8)))
    }
}
