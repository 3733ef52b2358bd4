import CZlib
import NIOCore

// The receiving half of permessage-deflate (RFC 7692 section 7.2.2) over the system zlib.
//
// Each frame's payload is inflated as it arrives; after the message's last frame the
// `00 00 ff ff` tail is fed. Output goes straight into the caller's ByteBuffer, and zlib is never
// given room for more than one byte beyond the message limit, so a zip bomb costs at most
// `maxMessageSize + 1` bytes of output and the CPU to produce them before `.messageTooBig`.
//
// Beyond the common case, two things the RFC allows are handled:
// - A message may end its DEFLATE stream with a BFINAL block (section 7.2.3.5). Data after the
//   final block starts a new stream that keeps the window (inflateGetDictionary/SetDictionary),
//   and the next message continues from that window under context takeover.
// - A message must end on a DEFLATE block boundary once the tail is added (section 7.2.1 makes
//   the sender end with an empty stored block). A truncated message would otherwise silently
//   corrupt the next one, so it is `.invalidData` here.
// An RSV1 message with an empty payload decodes to an empty message (nothing to inflate).

/// Decompresses the messages of one direction of one connection. Not thread-safe. zlib state is
/// allocated on the first compressed message and freed on deinit; the window is 2^windowBits bytes.
public final class PerMessageDeflateDecompressor: WebSocketMessageDecompressor {
    public struct Settings: Sendable, Hashable {
        /// The peer's negotiated window, 8...15. zlib inflates with an 8-bit window as is.
        public var windowBits: Int
        /// The peer compresses every message from an empty window; we reset after each message.
        public var noContextTakeover: Bool

        public init(windowBits: Int = 15, noContextTakeover: Bool = false) {
            precondition(PerMessageDeflateOptions.windowBitsRange.contains(windowBits), "windowBits must be 8...15")
            self.windowBits = windowBits
            self.noContextTakeover = noContextTakeover
        }
    }

    public let settings: Settings
    private var stream: UnsafeMutablePointer<z_stream>?
    /// Decompressed bytes of the current message so far, checked against `maxMessageSize`.
    private var messageOutputSize = 0
    /// Compressed bytes of the current message so far.
    private var messageInputSize = 0
    /// The peer's DEFLATE stream ended with a BFINAL block; more data starts a new stream.
    private var streamEnded = false

    private static let tail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    deinit {
        if let stream {
            inflateEnd(stream)
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
    }

    public func decompress(
        _ fragment: ByteBuffer,
        isFinal: Bool,
        maxMessageSize: Int,
        into output: inout ByteBuffer
    ) throws(WebSocketCompressionError) {
        let stream = try initializedStream()
        messageInputSize += fragment.readableBytes
        var failure = fragment.withUnsafeReadableBytes { input in
            inflate(input, stream: stream, maxMessageSize: maxMessageSize, into: &output)
        }
        if failure == nil, isFinal {
            failure = finishMessage(stream: stream, maxMessageSize: maxMessageSize, into: &output)
        }
        if let failure {
            resetForNextMessage(stream: stream, keepWindow: false)
            throw failure
        }
    }

    /// Feeds the tail unless there is nothing to complete, checks the block boundary, and ends
    /// the message.
    private func finishMessage(stream: UnsafeMutablePointer<z_stream>, maxMessageSize: Int, into output: inout ByteBuffer) -> WebSocketCompressionError? {
        // Nothing to complete: an empty payload, or a stream the peer ended with a BFINAL block
        // right at the end of the payload.
        let needsTail = messageInputSize > 0 && !streamEnded
        if needsTail {
            if let failure = Self.tail.withUnsafeBytes({ inflate($0, stream: stream, maxMessageSize: maxMessageSize, into: &output) }) {
                return failure
            }
            // data_type bit 128: inflate stopped right after a block, not inside one.
            if !streamEnded, stream.pointee.data_type & 128 == 0 {
                return .invalidData
            }
        }
        resetForNextMessage(stream: stream, keepWindow: !settings.noContextTakeover)
        return nil
    }

    private func resetForNextMessage(stream: UnsafeMutablePointer<z_stream>, keepWindow: Bool) {
        messageOutputSize = 0
        messageInputSize = 0
        if !keepWindow {
            inflateReset(stream)
            streamEnded = false
        }
        // With the window kept and the stream ended, the restart happens when data arrives.
    }

    /// Inflates all of `input` into `output`. Returns nil on success.
    private func inflate(
        _ input: UnsafeRawBufferPointer,
        stream: UnsafeMutablePointer<z_stream>,
        maxMessageSize: Int,
        into output: inout ByteBuffer
    ) -> WebSocketCompressionError? {
        var offset = 0  // bytes of input handed to zlib so far (avail_in is 32-bit)
        var outputMayBePending = false  // the last call filled the output space
        stream.pointee.avail_in = 0  // never resume input a failed call left behind
        while true {
            if stream.pointee.avail_in == 0, offset < input.count {
                let chunk = min(input.count - offset, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(chunk)
                offset += chunk
            }
            if streamEnded {
                // Z_STREAM_END means all output was produced; only new input needs a new stream.
                guard stream.pointee.avail_in > 0 else { return nil }
                guard restartStreamKeepingWindow(stream) else { return .internalFailure("inflate restart failed") }
            } else if stream.pointee.avail_in == 0, !outputMayBePending {
                return nil
            }
            // Room for at most one byte past the limit: enough to detect it, never more work.
            let remaining = max(maxMessageSize - messageOutputSize, 0)
            let allowance = remaining == .max ? remaining : remaining + 1
            let minimumWritable = min(allowance, max(4096, 2 * Int(stream.pointee.avail_in)))
            var status = Z_OK
            let written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: minimumWritable) { buffer in
                let available = min(buffer.count, allowance, Int(UInt32.max))
                stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(available)
                status = CZlib.inflate(stream, Z_SYNC_FLUSH)
                return available - Int(stream.pointee.avail_out)
            }
            messageOutputSize += written
            outputMayBePending = stream.pointee.avail_out == 0
            if messageOutputSize > maxMessageSize {
                return .messageTooBig
            }
            switch status {
            case Z_OK:
                continue  // input left or output pending: the top of the loop decides
            case Z_STREAM_END:
                streamEnded = true
            case Z_BUF_ERROR:
                // No progress possible: only legitimate when zlib has consumed all input.
                guard stream.pointee.avail_in == 0 else { return .internalFailure("inflate made no progress") }
            case Z_DATA_ERROR, Z_NEED_DICT:
                return .invalidData
            case Z_MEM_ERROR:
                return .internalFailure("inflate ran out of memory")
            default:
                return .internalFailure("inflate failed with status \(status)")
            }
        }
    }

    /// Starts a new raw DEFLATE stream after a BFINAL block, seeded with the window so far (data
    /// after a final block may still refer back to it, and so may later messages).
    private func restartStreamKeepingWindow(_ stream: UnsafeMutablePointer<z_stream>) -> Bool {
        var window = [UInt8](repeating: 0, count: 1 << settings.windowBits)
        var windowLength: uInt = 0
        let nextIn = stream.pointee.next_in
        let availableIn = stream.pointee.avail_in
        guard inflateGetDictionary(stream, &window, &windowLength) == Z_OK, inflateReset(stream) == Z_OK else { return false }
        if windowLength > 0 {
            guard inflateSetDictionary(stream, window, windowLength) == Z_OK else { return false }
        }
        stream.pointee.next_in = nextIn
        stream.pointee.avail_in = availableIn
        streamEnded = false
        return true
    }

    private func initializedStream() throws(WebSocketCompressionError) -> UnsafeMutablePointer<z_stream> {
        if let stream { return stream }
        let newStream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        newStream.initialize(to: z_stream())
        let status = inflateInit2_(newStream, -Int32(settings.windowBits), ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            newStream.deinitialize(count: 1)
            newStream.deallocate()
            throw .internalFailure("inflateInit2 failed with status \(status)")
        }
        stream = newStream
        return newStream
    }
}
