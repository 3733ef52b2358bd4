/// Which end of a WebSocket connection we are. It decides the masking rules of RFC 6455 section 5.1:
/// a client masks every frame it sends and rejects masked frames; a server rejects unmasked frames
/// and never masks. It also decides who closes the TCP connection after the closing handshake (the server).
public enum WebSocketRole: Sendable, Hashable {
    case server
    case client
}
