import NIOCore
import WebSocket

/// Compresses each event once (permessage-deflate without context takeover, so the bytes are valid
/// for every viewer that negotiated server_no_context_takeover with a window of at least 15 bits)
/// and frames it with RSV1 set. Viewers that did not negotiate it get the plain frame.
///
/// `@unchecked Sendable`: used only from the relay loop (`RelayHub.loop`), where every event is
/// appended to its session log; the zlib stream is not shared across threads.
final class SharedEventDeflater: @unchecked Sendable {
    static let settings = PerMessageDeflateCompressor.Settings(windowBits: 15, noContextTakeover: true)
    /// Smaller messages are not worth compressing (header and deflate overhead eat the gain).
    static let minimumPayloadBytes = 128

    private let compressor = PerMessageDeflateCompressor(settings: SharedEventDeflater.settings)
    private let allocator = ByteBufferAllocator()

    /// The compressed frame, or nil when compression does not pay (or fails): the plain frame
    /// is then used for everyone, which RFC 7692 allows for any message.
    func frame(_ payload: ByteBuffer) -> ByteBuffer? {
        guard payload.readableBytes >= Self.minimumPayloadBytes,
            let compressed = try? compressor.compress(payload, allocator: allocator),
            compressed.readableBytes < payload.readableBytes
        else { return nil }
        var frame = allocator.buffer(capacity: compressed.readableBytes + 10)
        WebSocketFrameEncoder.encode(opcode: .text, payload: compressed, rsv1: true, into: &frame)
        return frame
    }
}
