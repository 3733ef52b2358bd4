// The decisions a server makes about an otherwise valid opening handshake.

/// What a server accepts during the opening handshake, beyond what RFC 6455 requires.
public struct WebSocketServerHandshakePolicy: Sendable {
    /// Picks one of the subprotocols the client offered (in the client's order of preference), or
    /// nil for none. A value the client did not offer is ignored (no `Sec-WebSocket-Protocol` is
    /// sent), since RFC 6455 only lets the server answer with an offered one.
    /// Default: never select a subprotocol.
    public var selectSubprotocol: @Sendable (_ offered: [String]) -> String?

    /// Decides on the `Origin` header (nil when absent: non-browser clients send none).
    /// Returning false refuses the handshake with 403. Default: accept every origin.
    public var checkOrigin: @Sendable (_ origin: String?) -> Bool

    /// What we negotiate for permessage-deflate; nil: never negotiate it. Default: nil.
    public var permessageDeflate: PerMessageDeflateOptions?

    public init(
        selectSubprotocol: @escaping @Sendable (_ offered: [String]) -> String? = { _ in nil },
        checkOrigin: @escaping @Sendable (_ origin: String?) -> Bool = { _ in true },
        permessageDeflate: PerMessageDeflateOptions? = nil
    ) {
        self.selectSubprotocol = selectSubprotocol
        self.checkOrigin = checkOrigin
        self.permessageDeflate = permessageDeflate
    }
}
