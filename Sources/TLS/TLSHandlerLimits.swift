import NIOCore

/// Limits of one TLS connection, each bounding a resource a misbehaving peer could hold.
public struct TLSHandlerLimits: Sendable, Equatable {
    /// A connection whose handshake has not finished by then is closed: bounds how long a silent
    /// or slow client holds a file descriptor and a half-built session. Default 10 s.
    public var handshakeTimeout: TimeAmount
    /// Plaintext a local writer may queue before the handshake finishes (it cannot be encrypted
    /// yet and is not visible to channel writability); beyond it writes fail. Default 1 MiB.
    public var maxBytesBeforeHandshake: Int
    /// How long closing waits for our close_notify to be written before closing anyway, so a peer
    /// that stopped reading cannot keep the connection open. Default 5 s.
    public var shutdownTimeout: TimeAmount

    public init(
        handshakeTimeout: TimeAmount = .seconds(10),
        maxBytesBeforeHandshake: Int = 1 << 20,
        shutdownTimeout: TimeAmount = .seconds(5)
    ) {
        self.handshakeTimeout = handshakeTimeout
        self.maxBytesBeforeHandshake = maxBytesBeforeHandshake
        self.shutdownTimeout = shutdownTimeout
    }
}
