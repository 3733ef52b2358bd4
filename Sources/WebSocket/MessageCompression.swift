import NIOCore

// The seam between the connection state machine and a per-message compression extension
// (RFC 7692 permessage-deflate is the only one we implement). The connection owns framing,
// RSV1 and limits; the extension owns the compression contexts and their takeover rules.

/// Why a compressor or decompressor gave up. The connection maps these to close codes:
/// `.messageTooBig` -> 1009, `.invalidData` -> 1007, `.internalFailure` -> 1011.
public enum WebSocketCompressionError: Error, Equatable, Sendable {
    /// The decompressed message grew past the configured maximum message size.
    case messageTooBig
    /// The compressed data is not valid for this extension.
    case invalidData
    /// The compression library failed for a reason unrelated to the peer's data.
    case internalFailure(String)
}

/// Compresses complete outbound messages. One instance per connection; it owns the sending
/// direction's compression context (kept between messages unless context takeover is off).
public protocol WebSocketMessageCompressor: AnyObject {
    /// Compresses one complete message payload and returns the bytes that go on the wire as the
    /// message's payload (for permessage-deflate: DEFLATE data without the trailing `00 00 ff ff`).
    func compress(_ message: ByteBuffer, allocator: ByteBufferAllocator) throws(WebSocketCompressionError) -> ByteBuffer
}

/// Decompresses inbound compressed messages one frame at a time. One instance per connection;
/// it owns the receiving direction's context.
public protocol WebSocketMessageDecompressor: AnyObject {
    /// Decompresses the payload of one frame of a compressed message and appends the output to
    /// `output`. `isFinal` is true for the message's last frame (FIN set): the decompressor then
    /// feeds the `00 00 ff ff` tail itself and, without context takeover, resets its context.
    /// Throws `.messageTooBig` as soon as the decompressed size of the current message would exceed
    /// `maxMessageSize` (bounded work: no zip bombs), `.invalidData` for corrupt input.
    func decompress(
        _ fragment: ByteBuffer,
        isFinal: Bool,
        maxMessageSize: Int,
        into output: inout ByteBuffer
    ) throws(WebSocketCompressionError)
}

/// The compression a handshake negotiated for one connection.
public struct WebSocketNegotiatedCompression {
    public var compressor: any WebSocketMessageCompressor
    public var decompressor: any WebSocketMessageDecompressor

    public init(compressor: any WebSocketMessageCompressor, decompressor: any WebSocketMessageDecompressor) {
        self.compressor = compressor
        self.decompressor = decompressor
    }
}
