// Module WebSocket: our sans-I/O implementation of RFC 6455 (and the seam for RFC 7692).
//
// It owns the protocol: frames, their parser and encoder, masking, UTF-8 validation, close codes,
// the opening handshake and the connection state machine. Bytes go in, events and bytes to write
// come out. It must not touch sockets, channels, event loops, clocks or tasks; timers (keepalive,
// close timeout) and the transport belong to the I/O layer (WebSocketNIO). Only NIOCore's
// ByteBuffer is used from SwiftNIO.

import NIOCore

/// One WebSocket connection after the opening handshake, as a state machine without I/O.
///
/// The I/O layer drives it like this, once per batch of bytes read:
///
///     connection.receive(bytes)
///     while let event = connection.nextEvent() { ... may call send(...) ... }
///     if let output = connection.takeOutput() { write and flush }
///     if connection.shouldCloseTransport { close the TCP connection (after the write) }
///
/// and after `close()` (a server starting the closing handshake), once: if
/// `shouldShutdownTransportOutput`, shut down the transport's write side after writing the output.
///
/// `receive` only buffers; `nextEvent` parses just far enough to produce the next event. So frames
/// are acted on strictly in arrival order, interleaved with the application's reactions: an echo sent
/// in response to a message goes out before our reaction to any later frame (the pong to a later
/// ping, the reply to a later close, the close that fails the connection on a later bad frame).
/// When `nextEvent` returns nil, all input has been consumed (except a partial frame header).
///
/// Failing the connection (RFC 6455 section 7.1.7) queues a close frame with the error's code
/// (1002 protocol error, 1007 invalid UTF-8, 1009 too big, 1011 internal), stops reading, and asks
/// the I/O layer to close the transport.
public struct WebSocketConnection {
    public let role: WebSocketRole
    public let configuration: WebSocketConfiguration
    private let compression: WebSocketNegotiatedCompression?

    public private(set) var state: WebSocketConnectionState = .open

    /// True once the I/O layer must close the TCP connection (after writing the pending output):
    /// a server after the closing handshake completes, either side after failing the connection,
    /// and after `transportClosed()`. After a clean closing handshake the client waits for the
    /// server to close TCP (RFC 6455 section 7.1.1); the I/O layer applies a timeout to that wait.
    public private(set) var shouldCloseTransport = false

    /// True once a server has started the closing handshake (sent its close frame while open):
    /// nothing more will be written, so the I/O layer shuts down the transport's write side once
    /// the close frame is written, and keeps reading for the peer's reply. The peer sees the end
    /// of the stream at once instead of after a round trip (RFC 6455 section 7.1.1: the server
    /// should be first to close TCP); `shouldCloseTransport` still follows the reply (or the close
    /// timeout). Never set for a client, which waits for the server to close TCP.
    public private(set) var shouldShutdownTransportOutput = false

    /// True between `sendKeepalivePing()` and the next pong.
    public private(set) var isAwaitingPong = false

    /// Why we failed the connection, if we did.
    public private(set) var failure: WebSocketFailure?

    /// The close code that ended this connection, for logging: the one the peer sent (1005 for a close
    /// frame without one), else the one we sent (when we initiated or failed), else 1006 when the
    /// transport closed while the connection was open.
    public var closeCode: WebSocketCloseCode? {
        receivedCloseCode ?? sentCloseCode ?? (transportDroppedWhileOpen ? .abnormalClosure : nil)
    }

    private var receivedCloseCode: WebSocketCloseCode?
    private var sentCloseCode: WebSocketCloseCode?
    private var transportDroppedWhileOpen = false
    private var closeSent = false
    private var readingStopped = false

    private var parser: WebSocketFrameParser
    /// Bytes received and not parsed yet.
    private var input: ByteBuffer
    /// Bytes queued for the transport since the last `takeOutput()`.
    private var output: ByteBuffer?
    /// Computed, not stored: an allocator is four function pointers (32 B per connection) and
    /// costs nothing to make.
    private var allocator: ByteBufferAllocator { ByteBufferAllocator() }

    /// The opcode of the control frame whose payload is arriving (nil: a data frame of `message`).
    private var controlOpcode: WebSocketOpcode?
    private var controlPayload: ByteBuffer?
    /// The data message being received.
    private var message: InboundMessage?
    private var keepalivePingCount: UInt64 = 0

    private struct InboundMessage {
        var kind: WebSocketMessage.Kind
        /// RSV1 was set on the first frame: every frame's payload goes through the decompressor.
        var isCompressed: Bool
        /// Arrived after we sent a close frame: its frames are checked for framing rules, then dropped.
        var isDiscarded: Bool
        /// FIN of the frame being received.
        var isFinalFrame = false
        /// The message so far. A single-frame message keeps the parser's buffer as is (no reassembly copy).
        var data: ByteBuffer?
        /// Payload bytes announced by the frame headers so far (uncompressed messages).
        var announcedSize = 0
        var validator = UTF8Validator()
        /// The compressed bytes of the current frame, collected until the frame ends.
        var compressedFrame: ByteBuffer?
    }

    public init(
        role: WebSocketRole,
        configuration: WebSocketConfiguration = .init(),
        compression: WebSocketNegotiatedCompression? = nil
    ) {
        self.role = role
        self.configuration = configuration
        self.compression = compression
        self.parser = WebSocketFrameParser(maxFrameSize: configuration.maxFrameSize)
        self.input = Self.noInput
    }

    /// What `input` holds while nothing is buffered: one shared empty buffer. Keeping the last
    /// read's buffer there once it is consumed (or a fresh empty one per connection) costs memory
    /// per idle connection: NIO reuses a channel's read buffer only while nobody else references
    /// it, so a retained one makes it allocate and pool a second buffer at the next read (seen as
    /// +1.3 KB per idle viewer once keepalive pongs had been read).
    private static let noInput = ByteBufferAllocator().buffer(capacity: 0)

    // MARK: - Receiving

    /// Feeds bytes read from the transport. They are parsed by the following `nextEvent()` calls;
    /// call it until it returns nil before the next `receive`. Ignored once reading has stopped.
    public mutating func receive(_ bytes: ByteBuffer) {
        guard !readingStopped, bytes.readableBytes > 0 else { return }
        if input.readableBytes == 0 {
            input = bytes
            return
        }
        // Keep the consumed prefix bounded when reads keep ending inside a frame header.
        if input.readerIndex >= 4096 { input.discardReadBytes() }
        input.writeImmutableBuffer(bytes)
    }

    /// Parses the buffered input up to the next event and returns it, performing what the frames ask
    /// for on the way (queuing pongs and the close reply, failing the connection). Nil when the input
    /// is exhausted or reading has stopped.
    public mutating func nextEvent() -> WebSocketEvent? {
        while !readingStopped {
            let element: WebSocketFrameParser.Element?
            do {
                element = try parser.next(from: &input)
            } catch {
                fail(.protocolError(error))
                return nil
            }
            guard let element else {
                if input.readableBytes == 0 { input = Self.noInput }  // let go of the caller's buffer
                return nil
            }
            do {
                if let event = try process(element) { return event }
            } catch {
                fail(error)
                return nil
            }
        }
        return nil
    }

    private mutating func process(_ element: WebSocketFrameParser.Element) throws(WebSocketFailure) -> WebSocketEvent? {
        switch element {
        case .frame(let header, let payload):
            if header.fin, header.opcode == .text || header.opcode == .binary, !header.rsv1, message == nil, !closeSent {
                return try processWholeMessage(header, payload: payload)
            }
            try beginFrame(header)
            return try processPayload(payload, isFrameEnd: true)
        case .frameHead(let header):
            try beginFrame(header)
            return nil
        case .payloadPart(let part, let isFrameEnd):
            return try processPayload(part, isFrameEnd: isFrameEnd)
        }
    }

    /// The fast path for the most common frame: a complete, unfragmented, uncompressed data message.
    /// Same rules as `beginFrame` + `processPayload`, without the reassembly state.
    private func processWholeMessage(_ header: WebSocketFrameHeader, payload: ByteBuffer) throws(WebSocketFailure) -> WebSocketEvent {
        try checkMaskingAndExtensionBits(header)
        let limit = configuration.maxMessageSize
        if header.payloadLength > limit { throw .protocolError(.messageTooBig(limit: limit)) }
        if header.opcode == .text {
            guard UTF8Validator.isValid(payload) else { throw .protocolError(.invalidUTF8) }
            return .message(WebSocketMessage(kind: .text, data: payload))
        }
        return .message(WebSocketMessage(kind: .binary, data: payload))
    }

    /// Masking by role (RFC 6455 section 5.1) and RSV2/RSV3, which no extension of ours uses.
    private func checkMaskingAndExtensionBits(_ header: WebSocketFrameHeader) throws(WebSocketFailure) {
        switch role {
        case .server where header.maskingKey == nil: throw .protocolError(.unmaskedFrameFromClient)
        case .client where header.maskingKey != nil: throw .protocolError(.maskedFrameFromServer)
        default: break
        }
        if header.rsv2 || header.rsv3 { throw .protocolError(.reservedBitsSet) }
    }

    /// Checks the rules a header must follow on this connection, before any of its payload is used.
    private mutating func beginFrame(_ header: WebSocketFrameHeader) throws(WebSocketFailure) {
        try checkMaskingAndExtensionBits(header)

        if header.opcode.isControl {
            // RSV1 means "compressed" and only applies to data messages (RFC 7692 section 6).
            if header.rsv1 { throw .protocolError(.reservedBitsSet) }
            controlOpcode = header.opcode
            controlPayload = nil
            return
        }

        controlOpcode = nil
        if header.opcode == .continuation {
            guard message != nil else { throw .protocolError(.continuationWithoutMessage) }
            // RSV1 is set on the first frame of a compressed message only.
            if header.rsv1 { throw .protocolError(.reservedBitsSet) }
        } else {
            if message != nil { throw .protocolError(.dataFrameInsideFragmentedMessage) }
            if header.rsv1 && compression == nil { throw .protocolError(.reservedBitsSet) }
            message = InboundMessage(
                kind: header.opcode == .text ? .text : .binary,
                isCompressed: header.rsv1,
                isDiscarded: closeSent
            )
        }
        message!.isFinalFrame = header.fin
        if !message!.isCompressed && !message!.isDiscarded {
            // Uncompressed: the headers tell the size, so an oversized message fails before its payload.
            let limit = configuration.maxMessageSize
            guard header.payloadLength <= limit - message!.announcedSize else {
                throw .protocolError(.messageTooBig(limit: limit))
            }
            message!.announcedSize += header.payloadLength
        }
    }

    private mutating func processPayload(_ part: ByteBuffer, isFrameEnd: Bool) throws(WebSocketFailure) -> WebSocketEvent? {
        if let opcode = controlOpcode {
            Self.append(part, to: &controlPayload)
            guard isFrameEnd else { return nil }
            let payload = controlPayload!
            controlPayload = nil
            controlOpcode = nil
            return try processControlFrame(opcode, payload: payload)
        }

        if message!.isDiscarded {
            if isFrameEnd && message!.isFinalFrame { message = nil }
            return nil
        }
        if message!.isCompressed {
            return try processCompressedPart(part, isFrameEnd: isFrameEnd)
        }
        // Validate as the bytes arrive, so invalid UTF-8 fails the connection before the rest of the
        // frame or message comes in (RFC 6455 section 8.1).
        if message!.kind == .text && !message!.validator.validate(part) {
            throw .protocolError(.invalidUTF8)
        }
        Self.append(part, to: &message!.data)
        guard isFrameEnd && message!.isFinalFrame else { return nil }
        return try finishMessage()
    }

    private mutating func processCompressedPart(_ part: ByteBuffer, isFrameEnd: Bool) throws(WebSocketFailure) -> WebSocketEvent? {
        Self.append(part, to: &message!.compressedFrame)
        guard isFrameEnd else { return nil }
        let compressed = message!.compressedFrame ?? allocator.buffer(capacity: 0)
        message!.compressedFrame = nil
        // Take the buffer out of the message so the decompressor appends to uniquely owned storage.
        var data = message!.data ?? allocator.buffer(capacity: compressed.readableBytes * 2)
        message!.data = nil
        let newBytesStart = data.writerIndex - data.readerIndex
        do {
            try compression!.decompressor.decompress(
                compressed,
                isFinal: message!.isFinalFrame,
                maxMessageSize: configuration.maxMessageSize,
                into: &data
            )
        } catch {
            switch error {
            case .messageTooBig: throw .protocolError(.messageTooBig(limit: configuration.maxMessageSize))
            case .invalidData: throw .protocolError(.invalidCompressedData)
            case .internalFailure(let reason): throw .decompressionFailed(reason)
            }
        }
        if message!.kind == .text {
            let valid = data.withUnsafeReadableBytes { bytes in
                message!.validator.validate(UnsafeRawBufferPointer(rebasing: bytes[newBytesStart...]))
            }
            if !valid { throw .protocolError(.invalidUTF8) }
        }
        message!.data = data
        guard message!.isFinalFrame else { return nil }
        return try finishMessage()
    }

    private mutating func finishMessage() throws(WebSocketFailure) -> WebSocketEvent {
        let finished = message!
        message = nil
        if finished.kind == .text && !finished.validator.isComplete {
            // The message ended inside a code point.
            throw .protocolError(.invalidUTF8)
        }
        return .message(WebSocketMessage(kind: finished.kind, data: finished.data ?? allocator.buffer(capacity: 0)))
    }

    private mutating func processControlFrame(_ opcode: WebSocketOpcode, payload: ByteBuffer) throws(WebSocketFailure) -> WebSocketEvent {
        switch opcode {
        case .ping:
            if state == .open { writeFrame(.pong, payload: payload) }
            return .ping(payload)
        case .pong:
            isAwaitingPong = false
            return .pong(payload)
        default:
            return try processClose(payload: payload)
        }
    }

    /// The peer's close frame (RFC 6455 section 5.5.1): validate it, echo its code unless we already
    /// sent a close, and stop reading. Either way the closing handshake is now complete.
    private mutating func processClose(payload: ByteBuffer) throws(WebSocketFailure) -> WebSocketEvent {
        var payload = payload
        var code: WebSocketCloseCode?
        var reason = ""
        switch payload.readableBytes {
        case 0:
            break
        case 1:
            throw .protocolError(.closePayloadTooShort)
        default:
            let received = WebSocketCloseCode(rawValue: payload.readInteger(as: UInt16.self)!)
            guard received.isAllowedOnWire else { throw .protocolError(.invalidCloseCode(received.rawValue)) }
            guard UTF8Validator.isValid(payload) else { throw .protocolError(.invalidCloseReason) }
            code = received
            reason = String(buffer: payload)
        }
        receivedCloseCode = code ?? .noStatusReceived
        stopReading()
        if !closeSent {
            // An empty close is answered with an empty close: echo exactly what we were told.
            writeCloseFrame(code: code, reason: "")
        }
        state = .closed
        if role == .server { shouldCloseTransport = true }
        return .closeReceived(code: code, reason: reason)
    }

    // MARK: - Sending

    /// Queues a data message, as one frame or fragmented into frames of at most `fragmentSize` payload
    /// bytes (values below 1 count as 1). With compression negotiated and `compress` true, the whole
    /// message is compressed first and RSV1 is set on its first frame; `compress: false` sends this
    /// message uncompressed (tiny messages are not worth it).
    public mutating func send(
        _ message: WebSocketMessage,
        compress: Bool = true,
        fragmentSize: Int? = nil
    ) throws(WebSocketSendError) {
        guard state == .open else { throw .notOpen }
        var payload = message.data
        var rsv1 = false
        if compress, let compression {
            do {
                payload = try compression.compressor.compress(message.data, allocator: allocator)
            } catch {
                // The compression context is now in an unknown state: nothing more can be sent with it.
                fail(.compressionFailed(error))
                throw .compressionFailed
            }
            rsv1 = true
        }
        let opcode: WebSocketOpcode = message.kind == .text ? .text : .binary
        let total = payload.readableBytes
        let pieceSize = max(1, fragmentSize ?? total)
        if total <= pieceSize {
            writeFrame(opcode, payload: payload, rsv1: rsv1)
            return
        }
        var isFirst = true
        while payload.readableBytes > 0 {
            let piece = payload.readSlice(length: min(pieceSize, payload.readableBytes))!
            writeFrame(
                isFirst ? opcode : .continuation, payload: piece,
                fin: payload.readableBytes == 0, rsv1: isFirst && rsv1
            )
            isFirst = false
        }
    }

    /// Queues a ping. The matching pong comes back as a `.pong` event.
    public mutating func sendPing(_ payload: ByteBuffer) throws(WebSocketSendError) {
        try sendControlFrame(.ping, payload: payload)
    }

    /// Queues an unsolicited pong (a one-way heartbeat, RFC 6455 section 5.5.3).
    public mutating func sendPong(_ payload: ByteBuffer) throws(WebSocketSendError) {
        try sendControlFrame(.pong, payload: payload)
    }

    private mutating func sendControlFrame(_ opcode: WebSocketOpcode, payload: ByteBuffer) throws(WebSocketSendError) {
        guard state == .open else { throw .notOpen }
        guard payload.readableBytes <= 125 else { throw .controlPayloadTooLong }
        writeFrame(opcode, payload: payload)
    }

    /// Starts the closing handshake (no-op unless open). `reason` is cut to the 123 bytes a close frame
    /// can carry, without splitting a code point. A code that may not appear on the wire (1005, 1006, 1015,
    /// unassigned values) sends a close frame without a status code. Data frames that arrive after
    /// this are dropped; the peer's close completes the handshake. A server then wants the transport's
    /// write side shut down (`shouldShutdownTransportOutput`).
    public mutating func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        guard state == .open else { return }
        writeCloseFrame(code: code, reason: reason)
        state = .closing
        if role == .server { shouldShutdownTransportOutput = true }
        message?.isDiscarded = true
    }

    /// All bytes queued since the last call, coalesced into one buffer (nil when nothing is pending).
    public mutating func takeOutput() -> ByteBuffer? {
        defer { output = nil }
        return output
    }

    // MARK: - Transport and keepalive

    /// The transport closed (by the peer or by us). State becomes closed; if it was open, `closeCode`
    /// reports 1006. Pending input and output are dropped.
    public mutating func transportClosed() {
        if state == .open { transportDroppedWhileOpen = true }
        state = .closed
        stopReading()
        output = nil
        isAwaitingPong = false
        shouldCloseTransport = true
    }

    /// Queues a keepalive ping (payload: an 8-byte sequence number) and remembers that a pong is due.
    /// The I/O layer owns the timers: it calls `keepalivePongDeadlinePassed()` when the pong is late.
    /// No-op unless open.
    public mutating func sendKeepalivePing() {
        guard state == .open else { return }
        keepalivePingCount &+= 1
        var payload = allocator.buffer(capacity: 8)
        payload.writeInteger(keepalivePingCount)
        writeFrame(.ping, payload: payload)
        isAwaitingPong = true
    }

    /// Fails the connection (1011, "keepalive timeout") if no pong arrived since the last keepalive ping.
    public mutating func keepalivePongDeadlinePassed() {
        guard isAwaitingPong else { return }
        isAwaitingPong = false
        fail(.keepaliveTimeout)
    }

    // MARK: - Helpers

    /// Fails the connection (RFC 6455 section 7.1.7): send a close frame unless one went out already,
    /// stop reading, and have the transport closed.
    private mutating func fail(_ failure: WebSocketFailure) {
        guard state != .closed else { return }
        self.failure = failure
        if !closeSent { writeCloseFrame(code: failure.closeCode, reason: failure.description) }
        stopReading()
        state = .closed
        shouldCloseTransport = true
    }

    private mutating func stopReading() {
        readingStopped = true
        input = Self.noInput
        message = nil
        controlOpcode = nil
        controlPayload = nil
    }

    private mutating func writeCloseFrame(code: WebSocketCloseCode?, reason: String) {
        var payload = allocator.buffer(capacity: 0)
        if let code, code.isAllowedOnWire {
            let reasonBytes = Self.truncatedUTF8(reason, maxBytes: 123)
            payload.reserveCapacity(2 + reasonBytes.count)
            payload.writeInteger(code.rawValue)
            payload.writeBytes(reasonBytes)
            sentCloseCode = code
        }
        writeFrame(.close, payload: payload)
        closeSent = true
    }

    /// Encodes one frame into the output; a client masks it with a fresh random key.
    private mutating func writeFrame(
        _ opcode: WebSocketOpcode,
        payload: ByteBuffer,
        fin: Bool = true,
        rsv1: Bool = false
    ) {
        let maskingKey: WebSocketMaskingKey? = role == .client ? .random() : nil
        if output == nil {
            let size = WebSocketFrameEncoder.headerSize(payloadLength: payload.readableBytes, masked: maskingKey != nil)
            output = allocator.buffer(capacity: size + payload.readableBytes)
        }
        WebSocketFrameEncoder.encode(
            opcode: opcode, payload: payload, fin: fin, rsv1: rsv1,
            maskingKey: maskingKey, into: &output!
        )
    }

    /// Static, so that appending to one of our properties does not also borrow (and copy) all of `self`.
    private static func append(_ part: ByteBuffer, to buffer: inout ByteBuffer?) {
        if buffer == nil {
            buffer = part
        } else {
            buffer!.writeImmutableBuffer(part)
        }
    }

    /// The UTF-8 of `string`, cut to at most `maxBytes` without splitting a code point.
    static func truncatedUTF8(_ string: String, maxBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in string.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard bytes.count + encoded.count <= maxBytes else { break }
            bytes += encoded
        }
        return bytes
    }
}
