// The parts of an HTTP/1.1 request the server side of the opening handshake looks at. The I/O
// layer fills it from its HTTP parser (NIOHTTP1's request head); nothing here parses HTTP bytes.

/// An HTTP request that may be a WebSocket opening handshake (RFC 6455 section 4.1).
public struct WebSocketHandshakeRequest: Sendable {
    /// The request method, compared case-sensitively (`GET`).
    public var method: String
    /// The request target (path and query), untouched; routing is the caller's business.
    public var target: String
    public var versionMajor: Int
    public var versionMinor: Int
    /// Header fields in wire order; a name may repeat.
    public var headers: [(name: String, value: String)]

    public init(method: String, target: String, versionMajor: Int, versionMinor: Int, headers: [(name: String, value: String)]) {
        self.method = method
        self.target = target
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.headers = headers
    }
}
