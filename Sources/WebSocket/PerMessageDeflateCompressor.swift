import CZlib
import NIOCore

// The sending half of permessage-deflate (RFC 7692 section 7.2.1) over the system zlib: raw
// DEFLATE, each message ended with Z_SYNC_FLUSH and its `00 00 ff ff` tail removed.
//
// Window bits 8. zlib's deflate has no working 256-byte window: since 1.2.9 `deflateInit2` rejects
// -8 for raw streams (Z_STREAM_ERROR), and before that it silently used 9. Libraries answer this
// in three ways: decline offers that need an 8-bit compressor (python-websockets PR #1757, jzlib
// and Jetty never accept 8), fail the connection later (Bun's bug, fixed by flooring the window),
// or negotiate 8 and compress with 9 (Bun's fix, Erlang-based servers, zlib itself for zlib-wrapped
// streams). We negotiate 8 and compress with a 9-bit window, which is sound, not a guess: zlib
// never emits a match distance beyond MAX_DIST = window size - MIN_LOOKAHEAD (262), i.e. 250 for
// a 512-byte window, so every back-reference fits in the 256-byte window the peer inflates with.
// Inflating with 8 bits works in zlib, so the decompressor uses the negotiated value unchanged.
// Tests prove both halves: our 8-bit output inflates with a strict 8-bit inflater, and data with
// longer distances does not.
//
// Sharing one compressed message between connections (the relay's fan-out): with
// `noContextTakeover`, each message is compressed from an empty window and the stream is reset
// afterwards, so `compress` is a pure function of (message, settings): equal settings give
// identical bytes. Those bytes are a valid payload for every connection that negotiated
// `server_no_context_takeover` with a server window of at least `windowBits` (a larger window
// decodes a stream made with a smaller one). The connection must have negotiated
// server_no_context_takeover (not merely be sent a self-contained message), because a connection
// whose own compressor takes over context assumes the peer's window holds only its own messages.

/// Compresses whole messages for one direction of one connection, or for a group of connections
/// (see above). Not thread-safe: one owner at a time. zlib state is allocated on the first message
/// and freed on deinit; about 2^(windowBits+2) + 2^(memoryLevel+10) bytes (256 KiB at 15/8).
public final class PerMessageDeflateCompressor: WebSocketMessageCompressor {
    /// How the compressor works; equal settings with `noContextTakeover` produce identical bytes.
    public struct Settings: Sendable, Hashable {
        /// The negotiated window, 8...15 (8 is compressed with zlib's 9, see the file comment).
        public var windowBits: Int
        /// Compress every message from an empty window.
        public var noContextTakeover: Bool
        /// zlib level 0...9.
        public var compressionLevel: Int
        /// zlib memLevel 1...9.
        public var memoryLevel: Int

        public init(windowBits: Int = 15, noContextTakeover: Bool = false, compressionLevel: Int = 6, memoryLevel: Int = 8) {
            precondition(PerMessageDeflateOptions.windowBitsRange.contains(windowBits), "windowBits must be 8...15")
            precondition((0...9).contains(compressionLevel), "compressionLevel must be 0...9")
            precondition((1...9).contains(memoryLevel), "memoryLevel must be 1...9")
            self.windowBits = windowBits
            self.noContextTakeover = noContextTakeover
            self.compressionLevel = compressionLevel
            self.memoryLevel = memoryLevel
        }

        /// The window zlib's raw deflate is initialised with: 9 for a negotiated 8.
        var zlibWindowBits: Int32 { Int32(max(windowBits, 9)) }
    }

    public let settings: Settings
    private var stream: UnsafeMutablePointer<z_stream>?

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    deinit {
        if let stream {
            deflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    /// Compresses one complete message into a new buffer (the payload to send with RSV1 set).
    public func compress(_ message: ByteBuffer, allocator: ByteBufferAllocator) throws(WebSocketCompressionError) -> ByteBuffer {
        var output = allocator.buffer(capacity: 0)
        try compress(message, appendingTo: &output)
        return output
    }

    /// Compresses one complete message and appends the payload to `output`. Reusing one output
    /// buffer (cleared between messages) makes a tight loop allocation-free, which is what the
    /// micro-benchmark measures.
    public func compress(_ message: ByteBuffer, appendingTo output: inout ByteBuffer) throws(WebSocketCompressionError) {
        // An empty message after a completed flush is an empty stored block's first byte (section
        // 7.2.3.6), whatever the context; zlib itself would answer Z_BUF_ERROR (no progress).
        guard message.readableBytes > 0 else {
            output.writeInteger(UInt8(0))
            return
        }
        let stream = try initializedStream()
        let start = output.writerIndex
        let failure = message.withUnsafeReadableBytes { input in
            Self.deflateWithSyncFlush(input, stream: stream, into: &output)
        }
        if let failure {
            output.moveWriterIndex(to: start)
            deflateReset(stream)
            throw failure
        }
        // A sync flush always ends with an empty stored block whose last four bytes are 00 00 ff ff.
        guard output.writerIndex - start >= 4, output.getInteger(at: output.writerIndex - 4, as: UInt32.self) == 0x0000_FFFF else {
            output.moveWriterIndex(to: start)
            deflateReset(stream)
            throw .internalFailure("deflate output does not end with a sync flush marker")
        }
        output.moveWriterIndex(to: output.writerIndex - 4)
        if settings.noContextTakeover {
            deflateReset(stream)
        }
    }

    /// Runs deflate over `input` and a final Z_SYNC_FLUSH, writing straight into `output`'s
    /// writable space. Returns nil on success.
    private static func deflateWithSyncFlush(
        _ input: UnsafeRawBufferPointer,
        stream: UnsafeMutablePointer<z_stream>,
        into output: inout ByteBuffer
    ) -> WebSocketCompressionError? {
        let start = output.writerIndex
        var offset = 0  // bytes of input handed to zlib so far (avail_in is 32-bit)
        var isFirstWrite = true
        stream.pointee.avail_in = 0
        while true {
            if stream.pointee.avail_in == 0, offset < input.count {
                let chunk = min(input.count - offset, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(chunk)
                offset += chunk
            }
            let flush = offset == input.count ? Z_SYNC_FLUSH : Z_NO_FLUSH
            // First write: room for the whole result of a typical message (deflateBound plus the
            // flush marker), capped for big messages so a well-compressing 16 MiB message does
            // not reserve 16 MiB. Later writes double. Always more than 6 bytes, as zlib asks
            // for flushes.
            let minimumWritable: Int
            if isFirstWrite {
                let bound = Int(deflateBound(stream, uLong(stream.pointee.avail_in))) + 16
                minimumWritable = min(bound, 64 * 1024 + input.count / 4)
                isFirstWrite = false
            } else {
                minimumWritable = max(4096, output.writerIndex - start)
            }
            var status = Z_OK
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: minimumWritable) { buffer in
                let available = min(buffer.count, Int(UInt32.max))
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(available)
                status = deflate(stream, flush)
                return available - Int(stream.pointee.avail_out)
            }
            // Z_BUF_ERROR cannot happen: input is never empty and after a call that filled the
            // output zlib expects another call (it emits a further flush marker if need be).
            guard status == Z_OK else { return .internalFailure("deflate failed with status \(status)") }
            if flush == Z_SYNC_FLUSH, stream.pointee.avail_out != 0 { return nil }
        }
    }

    private func initializedStream() throws(WebSocketCompressionError) -> UnsafeMutablePointer<z_stream> {
        if let stream { return stream }
        let newStream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        newStream.initialize(to: z_stream())
        let status = deflateInit2_(
            newStream, Int32(settings.compressionLevel), Z_DEFLATED, -settings.zlibWindowBits,
            Int32(settings.memoryLevel), Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)
        )
        guard status == Z_OK else {
            newStream.deinitialize(count: 1)
            newStream.deallocate()
            throw .internalFailure("deflateInit2 failed with status \(status)")
        }
        stream = newStream
        return newStream
    }
}
