// Why a client rejects the server's answer to its opening handshake.

/// A server response that fails the WebSocket connection (RFC 6455 section 4.1: "the client MUST
/// _Fail the WebSocket Connection_"). No close frame is sent; the I/O layer closes TCP.
public enum WebSocketClientHandshakeError: Error, Sendable, Equatable {
    /// The status is not 101 (a refusal, a redirect, an authentication challenge...).
    case unexpectedStatus(Int)
    /// `Upgrade` does not list `websocket`.
    case missingUpgradeWebSocket
    /// `Connection` does not list `upgrade`.
    case missingConnectionUpgrade
    /// No `Sec-WebSocket-Accept`.
    case missingAccept
    /// `Sec-WebSocket-Accept` (all values received) is not the one for our key.
    case wrongAccept(String)
    /// A subprotocol we did not offer, or more than one.
    case unexpectedSubprotocol(String)
    /// An extension we did not offer.
    case unexpectedExtension(String)
    /// A malformed `Sec-WebSocket-Extensions`, permessage-deflate more than once, or parameters
    /// that are invalid or not allowed by our offer (the description says which).
    case invalidExtensionResponse(String)
}
