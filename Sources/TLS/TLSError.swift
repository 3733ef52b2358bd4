/// Everything that goes wrong in the TLS module. `reason` texts come from OpenSSL's error queue
/// (for example `error:0A00010B:SSL routines::wrong version number`), so an operator can search them.
public enum TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The certificate chain file could not be read or holds no usable PEM certificate.
    case certificateUnusable(path: String, reason: String)
    /// The private key file could not be read, is not PEM, or does not match the certificate.
    case privateKeyUnusable(path: String, reason: String)
    /// The trust roots file (client side) could not be loaded.
    case trustRootsUnusable(path: String, reason: String)
    /// OpenSSL refused a context setting (protocol versions, ciphers, ALPN): a bug or a broken libssl.
    case contextSetupFailed(reason: String)
    /// The handshake failed: protocol version, cipher, certificate or garbage from the peer.
    case handshakeFailed(reason: String)
    /// The handshake did not finish within the configured time.
    case handshakeTimedOut
    /// A record after the handshake could not be decrypted or processed.
    case protocolError(reason: String)
    /// More plaintext was written before the handshake finished than the configured bound allows.
    case tooMuchDataBeforeHandshake(limit: Int)
    /// The connection closed before the handshake finished; writes queued until then fail with this.
    case closedBeforeHandshake
    /// A write arrived after the TLS session was shut down (close_notify sent or received).
    case writeAfterShutdown

    public var description: String {
        switch self {
        case .certificateUnusable(let path, let reason): "TLS certificate file \(path) unusable: \(reason)"
        case .privateKeyUnusable(let path, let reason): "TLS private key file \(path) unusable: \(reason)"
        case .trustRootsUnusable(let path, let reason): "TLS trust roots file \(path) unusable: \(reason)"
        case .contextSetupFailed(let reason): "TLS context setup failed: \(reason)"
        case .handshakeFailed(let reason): "TLS handshake failed: \(reason)"
        case .handshakeTimedOut: "TLS handshake timed out"
        case .protocolError(let reason): "TLS protocol error: \(reason)"
        case .tooMuchDataBeforeHandshake(let limit): "more than \(limit) bytes written before the TLS handshake finished"
        case .closedBeforeHandshake: "connection closed before the TLS handshake finished"
        case .writeAfterShutdown: "write after TLS shutdown"
        }
    }
}
