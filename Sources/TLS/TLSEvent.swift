/// User inbound events `TLSHandler` fires to the handlers after it.
public enum TLSEvent: Sendable, Equatable {
    /// The handshake finished; application data now flows. `applicationProtocol` is the ALPN
    /// result (nil when none was negotiated).
    case handshakeCompleted(applicationProtocol: String?)
}
