import WebSocket

/// The application side of one WebSocket connection: what an echo server, a relay viewer or a
/// presenter does with it. Every method is called on the connection's event loop.
public protocol WebSocketEndpoint: AnyObject {
    /// The connection is open: the handshake is done and messages may be sent.
    func webSocketOpened(_ socket: WebSocketHandler)
    /// A complete data message arrived (text is validated UTF-8).
    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage)
    /// The socket's writability changed; an endpoint that feeds a slow peer at its own pace
    /// resumes writing when `socket.isWritable` becomes true.
    func webSocketWritabilityChanged(_ socket: WebSocketHandler)
    /// The connection is closed (called exactly once). `code` is the close code that ended it:
    /// the peer's, ours, or 1006 when TCP dropped without a closing handshake.
    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?)
}

extension WebSocketEndpoint {
    public func webSocketOpened(_ socket: WebSocketHandler) {}
    public func webSocketWritabilityChanged(_ socket: WebSocketHandler) {}
    public func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {}
}
