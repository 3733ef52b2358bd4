// Why a server refuses an opening handshake, and the exact HTTP response that says so.

/// A refused opening handshake: the HTTP response to send instead of `101 Switching Protocols`.
/// The I/O layer writes `status`, `reason` as the reason phrase, `headers`, and `body` as
/// `text/plain; charset=utf-8` (adding Content-Type and Content-Length itself).
public struct WebSocketHandshakeRefusal: Error, Sendable, Equatable {
    /// The rule the request broke; `status`, `headers` and `body` follow from it.
    public enum Cause: Sendable, Equatable, CaseIterable {
        /// 405, `Allow: GET`: the handshake must be a GET (RFC 6455 section 4.1).
        case methodNotAllowed
        /// 400: HTTP/1.0 or older. Not 505: the server does speak HTTP/1.x (same port, plain
        /// routes); only the upgrade needs 1.1, so the request itself is what is wrong.
        case httpVersionTooOld
        /// 505: a major version other than 1 (an HTTP/1 handshake cannot arrive as one).
        case httpVersionNotSupported
        /// 400: no `Host` (RFC 9112 section 3.2 makes it mandatory).
        case missingHost
        /// 400: more than one `Host`.
        case duplicateHost
        /// 426, `Upgrade: websocket`: `Upgrade` does not list `websocket` (not a WebSocket request).
        case missingUpgradeWebSocket
        /// 426, `Upgrade: websocket`: `Connection` does not list `upgrade`.
        case missingConnectionUpgrade
        /// 426, `Sec-WebSocket-Version: 13`: the version is missing, repeated or not 13
        /// (RFC 6455 section 4.4).
        case unsupportedWebSocketVersion
        /// 400: no `Sec-WebSocket-Key`.
        case missingKey
        /// 400: more than one `Sec-WebSocket-Key`.
        case duplicateKey
        /// 400: the key is not the base64 encoding of exactly 16 bytes.
        case invalidKey
        /// 400: `Sec-WebSocket-Protocol` holds something other than a list of tokens.
        case invalidSubprotocolList
        /// 400: more than one `Origin`.
        case duplicateOrigin
        /// 403: the policy's origin check refused the `Origin`.
        case originRejected
    }

    public var cause: Cause
    public var status: Int
    /// The HTTP reason phrase for `status`.
    public var reason: String
    public var headers: [(name: String, value: String)]
    /// A short plain-text explanation for a human.
    public var body: String

    public init(cause: Cause, status: Int, reason: String, headers: [(name: String, value: String)], body: String) {
        self.cause = cause
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The standard response for `cause`.
    public init(_ cause: Cause) {
        // RFC 9110 section 15.5.22 makes 426 carry Upgrade, and RFC 9110 section 7.8 makes Upgrade
        // come with Connection: upgrade.
        let upgradeRequired: [(name: String, value: String)] = [("Upgrade", "websocket"), ("Connection", "Upgrade")]
        switch cause {
        case .methodNotAllowed:
            self.init(cause: cause, status: 405, reason: "Method Not Allowed", headers: [("Allow", "GET")],
                      body: "A WebSocket handshake must use the GET method.")
        case .httpVersionTooOld:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "A WebSocket handshake requires HTTP/1.1 or later.")
        case .httpVersionNotSupported:
            self.init(cause: cause, status: 505, reason: "HTTP Version Not Supported", headers: [],
                      body: "A WebSocket handshake is served over HTTP/1.1 only.")
        case .missingHost:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "The Host header is missing.")
        case .duplicateHost:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "The Host header appears more than once.")
        case .missingUpgradeWebSocket:
            self.init(cause: cause, status: 426, reason: "Upgrade Required", headers: upgradeRequired,
                      body: "This resource is a WebSocket endpoint: the Upgrade header must list websocket.")
        case .missingConnectionUpgrade:
            self.init(cause: cause, status: 426, reason: "Upgrade Required", headers: upgradeRequired,
                      body: "The Connection header must list upgrade.")
        case .unsupportedWebSocketVersion:
            self.init(cause: cause, status: 426, reason: "Upgrade Required",
                      headers: upgradeRequired + [("Sec-WebSocket-Version", "13")],
                      body: "Unsupported Sec-WebSocket-Version: this server speaks version 13.")
        case .missingKey:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "The Sec-WebSocket-Key header is missing.")
        case .duplicateKey:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "The Sec-WebSocket-Key header appears more than once.")
        case .invalidKey:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "Sec-WebSocket-Key must be the base64 encoding of 16 bytes.")
        case .invalidSubprotocolList:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "Sec-WebSocket-Protocol must be a comma-separated list of tokens.")
        case .duplicateOrigin:
            self.init(cause: cause, status: 400, reason: "Bad Request", headers: [],
                      body: "The Origin header appears more than once.")
        case .originRejected:
            self.init(cause: cause, status: 403, reason: "Forbidden", headers: [],
                      body: "This origin is not allowed.")
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.cause == rhs.cause && lhs.status == rhs.status && lhs.reason == rhs.reason && lhs.body == rhs.body
            && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
