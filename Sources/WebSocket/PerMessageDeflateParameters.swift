// The outcome of a permessage-deflate negotiation (RFC 7692 section 7.1), exactly as the server's
// response states it, plus the factories that turn it into a compressor/decompressor pair.

/// The parameters both endpoints agreed on for one connection.
public struct PerMessageDeflateParameters: Sendable, Hashable {
    /// Which end of the connection we are: decides which parameters govern our compressor
    /// (the server_* ones for a server) and which govern our decompressor.
    public enum Role: Sendable, Hashable {
        case server
        case client
    }

    /// The server compresses every message with an empty window (no LZ77 references to earlier messages).
    public var serverNoContextTakeover: Bool
    /// The client compresses every message with an empty window.
    public var clientNoContextTakeover: Bool
    /// The server's window is at most 2^N bytes; `nil` when the response omits it (15).
    public var serverMaxWindowBits: Int?
    /// The client's window is at most 2^N bytes; `nil` when the response omits it (15).
    public var clientMaxWindowBits: Int?

    public init(
        serverNoContextTakeover: Bool = false,
        clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int? = nil,
        clientMaxWindowBits: Int? = nil
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }

    /// The server's effective window bits (15 when not limited).
    public var serverWindowBits: Int { serverMaxWindowBits ?? 15 }
    /// The client's effective window bits (15 when not limited).
    public var clientWindowBits: Int { clientMaxWindowBits ?? 15 }

    /// The `Sec-WebSocket-Extensions` response value stating these parameters,
    /// e.g. `permessage-deflate; server_no_context_takeover; client_max_window_bits=10`.
    public var responseHeaderValue: String {
        PerMessageDeflateNegotiation.responseElement(self).headerValue
    }

    /// How our compressor must work in `role`: window and takeover from the parameters,
    /// level and memory from our options.
    public func compressorSettings(role: Role, compressionLevel: Int = 6, memoryLevel: Int = 8) -> PerMessageDeflateCompressor.Settings {
        switch role {
        case .server:
            return .init(windowBits: serverWindowBits, noContextTakeover: serverNoContextTakeover,
                         compressionLevel: compressionLevel, memoryLevel: memoryLevel)
        case .client:
            return .init(windowBits: clientWindowBits, noContextTakeover: clientNoContextTakeover,
                         compressionLevel: compressionLevel, memoryLevel: memoryLevel)
        }
    }

    /// How our decompressor must work in `role`: the peer's window and takeover.
    public func decompressorSettings(role: Role) -> PerMessageDeflateDecompressor.Settings {
        switch role {
        case .server:
            return .init(windowBits: clientWindowBits, noContextTakeover: clientNoContextTakeover)
        case .client:
            return .init(windowBits: serverWindowBits, noContextTakeover: serverNoContextTakeover)
        }
    }

    /// Whether a server message compressed by a shared compressor with `settings` can be sent
    /// unchanged on a connection that negotiated these parameters: the connection must have
    /// `server_no_context_takeover` (so no per-connection compressor assumes a window the shared
    /// message would disturb), the shared compressor must not take over context either, and its
    /// window must fit the connection's (a larger inflater window decodes a smaller one's output).
    public func acceptsSharedServerMessages(compressedWith settings: PerMessageDeflateCompressor.Settings) -> Bool {
        serverNoContextTakeover && settings.noContextTakeover && settings.windowBits <= serverWindowBits
    }

    /// A fresh compressor/decompressor pair for one connection. zlib state is allocated lazily,
    /// on the first message in each direction, so an unused direction costs no zlib memory.
    public func makeCompression(role: Role, compressionLevel: Int = 6, memoryLevel: Int = 8) -> WebSocketNegotiatedCompression {
        WebSocketNegotiatedCompression(
            compressor: PerMessageDeflateCompressor(settings: compressorSettings(role: role, compressionLevel: compressionLevel, memoryLevel: memoryLevel)),
            decompressor: PerMessageDeflateDecompressor(settings: decompressorSettings(role: role))
        )
    }
}
