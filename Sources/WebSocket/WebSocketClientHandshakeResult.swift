// What a client knows after the server accepted its opening handshake.

/// A successful client handshake: the negotiated subprotocol and compression.
public struct WebSocketClientHandshakeResult: Sendable, Equatable {
    /// The subprotocol the server selected, nil if none.
    public var subprotocol: String?
    /// The permessage-deflate parameters in force, nil when not negotiated.
    public var deflate: PerMessageDeflateParameters?
    /// The options we offered, for the compression level and memory of the compressor.
    public var deflateOptions: PerMessageDeflateOptions?

    public init(subprotocol: String?, deflate: PerMessageDeflateParameters?, deflateOptions: PerMessageDeflateOptions?) {
        self.subprotocol = subprotocol
        self.deflate = deflate
        self.deflateOptions = deflateOptions
    }

    /// A fresh client-side compressor/decompressor pair, nil without permessage-deflate.
    public func makeCompression() -> WebSocketNegotiatedCompression? {
        guard let deflate else { return nil }
        let options = deflateOptions ?? PerMessageDeflateOptions()
        return deflate.makeCompression(role: .client, compressionLevel: options.compressionLevel, memoryLevel: options.memoryLevel)
    }
}
