import NIOCore

/// The seam to the WebSocket core's frame encoder: turns a complete JSON text message into the
/// bytes of a complete server frame. Injected so the relay domain builds and tests without the
/// WebSocket module; the server wires `WebSocketFrameEncoder.encode(opcode:payload:fin:rsv1:maskingKey:into:)`.
///
/// Frames are built once per event (or per presence change) and the same bytes go to every viewer.
public struct RelayFrameEncoder: Sendable {
    /// Wraps one JSON message into a final, unmasked text frame (opcode 0x1, FIN set, RSV1 clear).
    ///
    /// Contract: the returned buffer ends with the payload bytes, unchanged (a server frame is the
    /// header followed by the unmasked payload). `SessionLog` relies on it to keep an event's data
    /// as a slice of its frame, so retained events cost one copy of their bytes, not two.
    public var textFrame: @Sendable (ByteBuffer) -> ByteBuffer

    /// Optional: the same message as one compressed frame for viewers that negotiated
    /// permessage-deflate with `server_no_context_takeover` (RSV1 set, each message compressed on
    /// its own so the result can be shared). Returns nil when compression does not pay; viewers
    /// then get the plain frame, which RFC 7692 allows at any time.
    public var compressedTextFrame: (@Sendable (ByteBuffer) -> ByteBuffer?)?

    /// Allocator for the JSON messages the relay encodes before framing.
    public var allocator: ByteBufferAllocator

    public init(
        allocator: ByteBufferAllocator = ByteBufferAllocator(),
        textFrame: @escaping @Sendable (ByteBuffer) -> ByteBuffer,
        compressedTextFrame: (@Sendable (ByteBuffer) -> ByteBuffer?)? = nil
    ) {
        self.allocator = allocator
        self.textFrame = textFrame
        self.compressedTextFrame = compressedTextFrame
    }

    /// The complete text frame carrying `message`.
    public func frame(_ message: RelayMessage) -> ByteBuffer {
        textFrame(message.encoded(allocator: allocator))
    }
}
