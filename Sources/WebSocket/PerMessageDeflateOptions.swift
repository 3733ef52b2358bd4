// What this endpoint is willing to negotiate for permessage-deflate (RFC 7692 section 7), and how
// it compresses. `nil` options in a handshake policy mean the extension is never negotiated.

/// Our side of a permessage-deflate negotiation. The same value configures a server (how it
/// answers offers) and a client (what it offers); the four negotiation fields read naturally in
/// both roles because RFC 7692 names the parameters after the endpoint they constrain.
public struct PerMessageDeflateOptions: Sendable, Hashable {
    /// The window sizes RFC 7692 allows: 2^8 to 2^15 bytes.
    public static let windowBitsRange: ClosedRange<Int> = 8...15

    /// Server: always answer `server_no_context_takeover` (each server message is compressed on its
    /// own; required for sharing one compressed message between many connections). Client: ask
    /// the server for it and fail the handshake if the server does not agree.
    /// Either way a peer's request for it is always honoured.
    public var serverNoContextTakeover: Bool

    /// Server: answer `client_no_context_takeover`, so the client compresses each message on its
    /// own. Client: offer it (we then compress each message on our own whatever the answer).
    public var clientNoContextTakeover: Bool

    /// Server: cap our compression window at 2^N bytes (a smaller value from the client wins).
    /// Client: request `server_max_window_bits=N` and fail the handshake if the answer is larger or
    /// missing. `nil`: no cap beyond what the peer asks (15 at most).
    public var serverMaxWindowBits: Int?

    /// Server: cap the client's window at 2^N bytes when the client advertises support for
    /// `client_max_window_bits` (if it does not, it may use 15 bits and we must inflate with 15).
    /// Client: offer `client_max_window_bits=N` (`nil`: offer the parameter without a value, which
    /// tells the server it may pick any size for us).
    public var clientMaxWindowBits: Int?

    /// zlib compression level, 0 (store) to 9 (best). Default 6, zlib's own default.
    public var compressionLevel: Int

    /// zlib memLevel, 1 to 9: the size of the match-finding hash (2^(memLevel + 9) bytes, twice).
    /// Default 8, zlib's default; lower values trade ratio for memory per connection.
    public var memoryLevel: Int

    public init(
        serverNoContextTakeover: Bool = false,
        clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int? = nil,
        clientMaxWindowBits: Int? = nil,
        compressionLevel: Int = 6,
        memoryLevel: Int = 8
    ) {
        precondition(serverMaxWindowBits.map(Self.windowBitsRange.contains) ?? true, "serverMaxWindowBits must be 8...15")
        precondition(clientMaxWindowBits.map(Self.windowBitsRange.contains) ?? true, "clientMaxWindowBits must be 8...15")
        precondition((0...9).contains(compressionLevel), "compressionLevel must be 0...9")
        precondition((1...9).contains(memoryLevel), "memoryLevel must be 1...9")
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.compressionLevel = compressionLevel
        self.memoryLevel = memoryLevel
    }
}
