import NIOCore

/// What the connection reports to the application, one at a time from `nextEvent()`.
public enum WebSocketEvent: Sendable, Equatable {
    /// A complete, validated (and decompressed) data message.
    case message(WebSocketMessage)
    /// Informational: the pong carrying the same payload is already queued (unless we are closing).
    case ping(ByteBuffer)
    /// A pong: the reply to our ping, or an unsolicited heartbeat (ignored apart from this event).
    case pong(ByteBuffer)
    /// The peer's close frame (`code` nil: no status code). Our reply, echoing the code, is already
    /// queued unless we had started the closing handshake ourselves.
    case closeReceived(code: WebSocketCloseCode?, reason: String)
}

/// Where the connection is in its life (RFC 6455 section 4 and 7). CONNECTING belongs to the
/// opening handshake, which happens before a `WebSocketConnection` exists.
public enum WebSocketConnectionState: Sendable, Equatable {
    /// Data flows both ways.
    case open
    /// We sent a close frame and are waiting for the peer's; nothing more can be sent.
    case closing
    /// The WebSocket protocol is over: both close frames were exchanged, the connection was failed,
    /// or the transport closed. What remains is for the I/O layer to write the pending output and
    /// close the transport (see `shouldCloseTransport`).
    case closed
}

/// Why a send was refused.
public enum WebSocketSendError: Error, Equatable, Sendable {
    /// The connection is closing or closed: no more frames may be sent.
    case notOpen
    /// The negotiated compressor failed; the connection has been failed with 1011.
    case compressionFailed
    /// Control frame payloads are limited to 125 bytes.
    case controlPayloadTooLong
}
