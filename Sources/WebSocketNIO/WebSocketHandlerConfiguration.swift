// WebSocketNIO: SwiftNIO adapters for the sans-I/O `WebSocket` core.
//
// Owns: the channel handler that pumps bytes between a socket and `WebSocketConnection`
// (timers, write coalescing, backpressure), the server-side upgrade from a NIOHTTP1 request on
// the same port as plain HTTP routes, and the client (TCP connect + opening handshake).
// Must not: implement protocol rules (they live in `WebSocket`), or know about the relay.

import NIOCore
import WebSocket

/// Everything a `WebSocketHandler` needs beyond the protocol core's own limits: the timers the
/// sans-I/O core cannot own.
public struct WebSocketHandlerConfiguration: Sendable {
    /// Frame and message limits enforced by the protocol core.
    public var protocolConfiguration: WebSocketConfiguration
    /// Interval between keepalive pings; nil disables keepalive.
    public var pingInterval: TimeAmount?
    /// How long a keepalive ping may go unanswered before the peer counts as dead (close 1011).
    public var pongTimeout: TimeAmount
    /// How long the closing handshake may take (our close frame unanswered, or, as a client, the
    /// server not closing TCP) before we close the TCP connection ourselves.
    public var closeTimeout: TimeAmount
    /// Shared keepalive timer for the connections of one event loop (see the type); nil gives
    /// each connection its own timer.
    public var keepaliveScheduler: WebSocketKeepaliveScheduler?

    public init(
        protocolConfiguration: WebSocketConfiguration = .init(),
        pingInterval: TimeAmount? = .seconds(30),
        pongTimeout: TimeAmount = .seconds(20),
        closeTimeout: TimeAmount = .seconds(5),
        keepaliveScheduler: WebSocketKeepaliveScheduler? = nil
    ) {
        self.protocolConfiguration = protocolConfiguration
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
        self.closeTimeout = closeTimeout
        self.keepaliveScheduler = keepaliveScheduler
    }
}
