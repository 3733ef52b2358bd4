import NIOCore

/// An incremental frame parser (RFC 6455 section 5.2): an explicit state machine that waits for the
/// first two header bytes, then the extended length, then the masking key, then the payload.
///
/// It consumes a field only once all of its bytes are in the input, so feeding the same bytes in any
/// split (down to one byte at a time) yields the same elements. The header is reported as soon as it is
/// complete, before any payload, and the payload is handed out in the pieces it arrives in, so a caller
/// can reject a frame (or invalid UTF-8 inside it) without waiting for the rest. When a whole frame is
/// already in the input, it comes out as one `.frame` whose payload is a slice of the input (no copy)
/// or, when masked, one unmasked copy made in a single pass.
///
/// The parser checks what a frame says about itself: reserved opcodes, the 64-bit length's top bit,
/// control frame length and fragmentation, and `maxFrameSize`. Rules that depend on the connection
/// (masking by role, RSV bits by extension, fragmentation sequence) are the connection's.
/// After it throws, the parser's state is undefined: the connection is failed and the parser dropped.
public struct WebSocketFrameParser: Sendable {
    public enum Element: Sendable, Equatable {
        /// A whole frame whose payload was available at once (the usual case).
        case frame(WebSocketFrameHeader, payload: ByteBuffer)
        /// The header of a frame whose payload has not fully arrived; `.payloadPart`s follow.
        case frameHead(WebSocketFrameHeader)
        /// The next piece of the current frame's payload, unmasked; `isFrameEnd` on the last one.
        case payloadPart(ByteBuffer, isFrameEnd: Bool)
    }

    /// Frames whose payload is longer than this are rejected (`.frameTooLarge`, close 1009) as soon
    /// as their length is known, before any payload is buffered.
    public var maxFrameSize: Int

    private var state: State = .firstTwoBytes
    private let allocator = ByteBufferAllocator()

    private enum State: Sendable {
        case firstTwoBytes
        case extendedLength(FrameStart, lengthSize: Int)
        case maskingKey(FrameStart, payloadLength: Int)
        case payload(maskingKey: WebSocketMaskingKey?, remaining: Int, offset: Int)
    }

    /// What the first two header bytes say, kept while the rest of the header arrives.
    private struct FrameStart: Sendable {
        var fin: Bool
        var rsv1: Bool
        var rsv2: Bool
        var rsv3: Bool
        var opcode: WebSocketOpcode
        var masked: Bool

        func header(maskingKey: WebSocketMaskingKey?, payloadLength: Int) -> WebSocketFrameHeader {
            WebSocketFrameHeader(
                fin: fin, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3, opcode: opcode,
                maskingKey: maskingKey, payloadLength: payloadLength
            )
        }
    }

    public init(maxFrameSize: Int = 16 << 20) {
        precondition(maxFrameSize >= 0, "maxFrameSize must not be negative")
        self.maxFrameSize = maxFrameSize
    }

    /// True between frames: no partial header or payload is pending.
    public var isAtFrameBoundary: Bool {
        if case .firstTwoBytes = state { true } else { false }
    }

    /// Consumes bytes from `input` and returns the next element, or nil when `input` holds too few
    /// bytes to make progress (the unconsumed bytes, at most a partial header, stay in `input`).
    public mutating func next(from input: inout ByteBuffer) throws(WebSocketProtocolError) -> Element? {
        while true {
            switch state {
            case .firstTwoBytes:
                guard let (first, second) = input.readMultipleIntegers(as: (UInt8, UInt8).self) else { return nil }
                let start = FrameStart(
                    fin: first & 0x80 != 0, rsv1: first & 0x40 != 0, rsv2: first & 0x20 != 0,
                    rsv3: first & 0x10 != 0, opcode: WebSocketOpcode(rawValue: first & 0x0F)!,
                    masked: second & 0x80 != 0
                )
                if start.opcode.isReserved { throw .reservedOpcode(start.opcode.rawValue) }
                let shortLength = Int(second & 0x7F)
                if start.opcode.isControl {
                    if !start.fin { throw .fragmentedControlFrame }
                    if shortLength > 125 { throw .controlFrameTooLong }
                }
                switch shortLength {
                case 126: state = .extendedLength(start, lengthSize: 2)
                case 127: state = .extendedLength(start, lengthSize: 8)
                default:
                    try checkFrameSize(shortLength)
                    if start.masked {
                        state = .maskingKey(start, payloadLength: shortLength)
                    } else {
                        return beginPayload(start.header(maskingKey: nil, payloadLength: shortLength), from: &input)
                    }
                }

            case .extendedLength(let start, let lengthSize):
                let length: Int
                if lengthSize == 2 {
                    guard let value = input.readInteger(as: UInt16.self) else { return nil }
                    length = Int(value)
                } else {
                    guard let value = input.readInteger(as: UInt64.self) else { return nil }
                    if value & (1 << 63) != 0 { throw .payloadLengthTooLarge }
                    length = Int(value)
                }
                try checkFrameSize(length)
                if start.masked {
                    state = .maskingKey(start, payloadLength: length)
                } else {
                    return beginPayload(start.header(maskingKey: nil, payloadLength: length), from: &input)
                }

            case .maskingKey(let start, let length):
                guard let key = input.readInteger(as: UInt32.self) else { return nil }
                return beginPayload(
                    start.header(maskingKey: WebSocketMaskingKey(rawValue: key), payloadLength: length),
                    from: &input
                )

            case .payload(let maskingKey, let remaining, let offset):
                let available = min(input.readableBytes, remaining)
                guard available > 0 else { return nil }
                let part = readPayload(length: available, maskingKey: maskingKey, offset: offset, from: &input)
                let isFrameEnd = available == remaining
                state =
                    isFrameEnd
                    ? .firstTwoBytes
                    : .payload(maskingKey: maskingKey, remaining: remaining - available, offset: offset + available)
                return .payloadPart(part, isFrameEnd: isFrameEnd)
            }
        }
    }

    private func checkFrameSize(_ length: Int) throws(WebSocketProtocolError) {
        if length > maxFrameSize { throw .frameTooLarge(length: length, limit: maxFrameSize) }
    }

    /// The header is complete: hand out the whole frame if its payload is here, else the header alone.
    private mutating func beginPayload(_ header: WebSocketFrameHeader, from input: inout ByteBuffer) -> Element {
        let length = header.payloadLength
        if input.readableBytes >= length {
            state = .firstTwoBytes
            let payload = readPayload(length: length, maskingKey: header.maskingKey, offset: 0, from: &input)
            return .frame(header, payload: payload)
        }
        state = .payload(maskingKey: header.maskingKey, remaining: length, offset: 0)
        return .frameHead(header)
    }

    private func readPayload(
        length: Int,
        maskingKey: WebSocketMaskingKey?,
        offset: Int,
        from input: inout ByteBuffer
    ) -> ByteBuffer {
        guard let maskingKey, length > 0 else {
            return input.readSlice(length: length)!
        }
        // The input is shared with whoever handed it to us, so unmasking in place would copy it
        // anyway; copy and unmask in one pass instead.
        var payload = allocator.buffer(capacity: length)
        payload.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { target in
            input.withUnsafeReadableBytes { source in
                maskingKey.apply(
                    from: UnsafeRawBufferPointer(rebasing: source.prefix(length)),
                    into: target,
                    payloadOffset: offset
                )
            }
            return length
        }
        input.moveReaderIndex(forwardBy: length)
        return payload
    }
}
