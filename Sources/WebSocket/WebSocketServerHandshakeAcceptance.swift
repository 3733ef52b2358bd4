// What a server sends and keeps after accepting an opening handshake.

/// An accepted opening handshake: the I/O layer answers `101 Switching Protocols` with
/// `responseHeaders` and hands the connection to the WebSocket state machine, with
/// `makeCompression()` when permessage-deflate was negotiated.
public struct WebSocketServerHandshakeAcceptance: Sendable {
    /// `Upgrade`, `Connection`, `Sec-WebSocket-Accept`, then `Sec-WebSocket-Protocol` and
    /// `Sec-WebSocket-Extensions` when negotiated.
    public var responseHeaders: [(name: String, value: String)]
    /// The subprotocol the policy selected among the offered ones, if any.
    public var subprotocol: String?
    /// Every subprotocol the client offered, in its order.
    public var offeredSubprotocols: [String]
    /// The permessage-deflate parameters in force, nil when not negotiated.
    public var deflate: PerMessageDeflateParameters?
    /// Our options, for the compression level and memory of the compressor.
    public var deflateOptions: PerMessageDeflateOptions?

    public init(
        responseHeaders: [(name: String, value: String)],
        subprotocol: String?,
        offeredSubprotocols: [String],
        deflate: PerMessageDeflateParameters?,
        deflateOptions: PerMessageDeflateOptions?
    ) {
        self.responseHeaders = responseHeaders
        self.subprotocol = subprotocol
        self.offeredSubprotocols = offeredSubprotocols
        self.deflate = deflate
        self.deflateOptions = deflateOptions
    }

    /// A fresh server-side compressor/decompressor pair for this connection, nil without
    /// permessage-deflate. Each call creates new zlib contexts.
    public func makeCompression() -> WebSocketNegotiatedCompression? {
        guard let deflate else { return nil }
        let options = deflateOptions ?? PerMessageDeflateOptions()
        return deflate.makeCompression(role: .server, compressionLevel: options.compressionLevel, memoryLevel: options.memoryLevel)
    }
}
