import NIOCore

/// An incremental frame parser (RFC 6455 section 5.2): an explicit state machine that waits for the
/// first two header bytes, then the extended length, then the masking key, then the payload.
///
/// It consumes a field only once all of its bytes are in the input, so feeding the same bytes in any
/// split (down to one byte at a time) yields the same elements. The header is reported as soon as it is
/// complete, before any payload, and the payload is handed out in the pieces it arrives in, so a caller
/// can reject a frame (or invalid UTF-8 inside it) without waiting for the rest. When a whole frame is
/// already in the input, it comes out as one `.frame` whose payload is a slice of the input (no copy)
/// or, when masked, one unmasked copy made in a single pass. A header that is already complete in the
/// input is decoded from the raw bytes in one go (the fast path); the states are for headers that
/// arrive in pieces, and both paths apply the same checks in the same order.
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

        /// Decodes the first two header bytes and applies the rules they decide alone.
        init(_ first: UInt8, _ second: UInt8) throws(WebSocketProtocolError) {
            fin = first & 0x80 != 0
            rsv1 = first & 0x40 != 0
            rsv2 = first & 0x20 != 0
            rsv3 = first & 0x10 != 0
            opcode = WebSocketOpcode(rawValue: first & 0x0F)!
            masked = second & 0x80 != 0
            if opcode.isReserved { throw .reservedOpcode(opcode.rawValue) }
            if opcode.isControl {
                if !fin { throw .fragmentedControlFrame }
                if second & 0x7F > 125 { throw .controlFrameTooLong }
            }
        }

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
        if case .firstTwoBytes = state, let header = try readWholeHeader(from: &input) {
            return beginPayload(header, from: &input)
        }
        while true {
            switch state {
            case .firstTwoBytes:
                guard let (first, second) = input.readMultipleIntegers(as: (UInt8, UInt8).self) else { return nil }
                let start = try FrameStart(first, second)
                switch second & 0x7F {
                case 126: state = .extendedLength(start, lengthSize: 2)
                case 127: state = .extendedLength(start, lengthSize: 8)
                case let length:
                    try checkFrameSize(Int(length))
                    if start.masked {
                        state = .maskingKey(start, payloadLength: Int(length))
                    } else {
                        return beginPayload(start.header(maskingKey: nil, payloadLength: Int(length)), from: &input)
                    }
                }

            case .extendedLength(let start, let lengthSize):
                let length: UInt64
                if lengthSize == 2 {
                    guard let value = input.readInteger(as: UInt16.self) else { return nil }
                    length = UInt64(value)
                } else {
                    guard let value = input.readInteger(as: UInt64.self) else { return nil }
                    length = value
                }
                let checkedLength = try checkedPayloadLength(length)
                if start.masked {
                    state = .maskingKey(start, payloadLength: checkedLength)
                } else {
                    return beginPayload(start.header(maskingKey: nil, payloadLength: checkedLength), from: &input)
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

    /// The fast path: when the whole header is already in the input (the usual case), decode it from
    /// the raw bytes in one pass instead of one buffer read per field. It applies exactly the checks of
    /// the step-by-step path, in the same order. Nil (nothing consumed) when the header is incomplete.
    private func readWholeHeader(from input: inout ByteBuffer) throws(WebSocketProtocolError) -> WebSocketFrameHeader? {
        let scan = input.withUnsafeReadableBytes { bytes -> HeaderScan in
            guard bytes.count >= 2 else { return .incomplete }
            let second = bytes[1]
            let start: FrameStart
            do throws(WebSocketProtocolError) { start = try FrameStart(bytes[0], second) } catch { return .invalid(error) }
            var size = 2
            var length = UInt64(second & 0x7F)
            if length == 126 {
                guard bytes.count >= 4 else { return .incomplete }
                length = UInt64(bytes[2]) << 8 | UInt64(bytes[3])
                size = 4
            } else if length == 127 {
                guard bytes.count >= 10 else { return .incomplete }
                length = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
                size = 10
            }
            let checkedLength: Int
            do throws(WebSocketProtocolError) { checkedLength = try checkedPayloadLength(length) } catch { return .invalid(error) }
            var maskingKey: WebSocketMaskingKey?
            if start.masked {
                guard bytes.count >= size + 4 else { return .incomplete }
                maskingKey = WebSocketMaskingKey(rawValue: UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: size, as: UInt32.self)))
                size += 4
            }
            return .complete(start.header(maskingKey: maskingKey, payloadLength: checkedLength), size: size)
        }
        switch scan {
        case .incomplete:
            return nil
        case .invalid(let error):
            throw error
        case .complete(let header, let size):
            input.moveReaderIndex(forwardBy: size)
            return header
        }
    }

    private enum HeaderScan {
        case incomplete
        case invalid(WebSocketProtocolError)
        case complete(WebSocketFrameHeader, size: Int)
    }

    /// A 16- or 64-bit extended length, checked: the 64-bit form's top bit must be clear, and the
    /// length must not exceed `maxFrameSize`.
    private func checkedPayloadLength(_ length: UInt64) throws(WebSocketProtocolError) -> Int {
        if length & (1 << 63) != 0 { throw .payloadLengthTooLarge }
        try checkFrameSize(Int(length))
        return Int(length)
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
