import NIOCore

/// Serializes frames (RFC 6455 section 5.2). The header goes out in at most four integer writes
/// after a single capacity reservation; the payload is one bulk copy, or one copy-and-mask pass.
public enum WebSocketFrameEncoder {
    /// The size of a frame header: 2 bytes, plus 2 or 8 for an extended length, plus 4 for a masking key.
    public static func headerSize(payloadLength: Int, masked: Bool) -> Int {
        let lengthSize =
            if payloadLength <= 125 { 2 } else if payloadLength <= 0xFFFF { 4 } else { 10 }
        return lengthSize + (masked ? 4 : 0)
    }

    /// Writes one frame (header + payload, masked when a key is given) into `buffer`.
    public static func encode(
        opcode: WebSocketOpcode,
        payload: ByteBuffer,
        fin: Bool = true,
        rsv1: Bool = false,
        maskingKey: WebSocketMaskingKey? = nil,
        into buffer: inout ByteBuffer
    ) {
        let length = payload.readableBytes
        buffer.reserveCapacity(
            minimumWritableBytes: headerSize(payloadLength: length, masked: maskingKey != nil) + length
        )
        encodeHeader(
            opcode: opcode, payloadLength: length, fin: fin, rsv1: rsv1,
            maskingKey: maskingKey, into: &buffer
        )
        if let maskingKey {
            maskingKey.apply(from: payload, appendingTo: &buffer)
        } else {
            buffer.writeImmutableBuffer(payload)
        }
    }

    /// Writes `frame`, including its RSV2/RSV3 bits (which only an extension or a test would set).
    public static func encode(_ frame: WebSocketFrame, into buffer: inout ByteBuffer) {
        let length = frame.payload.readableBytes
        buffer.reserveCapacity(
            minimumWritableBytes: headerSize(payloadLength: length, masked: frame.maskingKey != nil) + length
        )
        encodeHeader(
            opcode: frame.opcode, payloadLength: length, fin: frame.fin,
            rsv1: frame.rsv1, rsv2: frame.rsv2, rsv3: frame.rsv3,
            maskingKey: frame.maskingKey, into: &buffer
        )
        if let maskingKey = frame.maskingKey {
            maskingKey.apply(from: frame.payload, appendingTo: &buffer)
        } else {
            buffer.writeImmutableBuffer(frame.payload)
        }
    }

    /// Writes only a frame header. With it a caller can send one shared, unmasked payload buffer to many
    /// peers without copying it into each peer's output (write the header, then the payload buffer).
    public static func encodeHeader(
        opcode: WebSocketOpcode,
        payloadLength: Int,
        fin: Bool = true,
        rsv1: Bool = false,
        rsv2: Bool = false,
        rsv3: Bool = false,
        maskingKey: WebSocketMaskingKey? = nil,
        into buffer: inout ByteBuffer
    ) {
        precondition(payloadLength >= 0, "negative payload length")
        var first = opcode.rawValue
        if fin { first |= 0x80 }
        if rsv1 { first |= 0x40 }
        if rsv2 { first |= 0x20 }
        if rsv3 { first |= 0x10 }
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80

        if payloadLength <= 125 {
            buffer.writeInteger(UInt16(first) << 8 | UInt16(maskBit | UInt8(payloadLength)))
        } else if payloadLength <= 0xFFFF {
            buffer.writeInteger(UInt32(first) << 24 | UInt32(maskBit | 126) << 16 | UInt32(payloadLength))
        } else {
            buffer.writeInteger(UInt16(first) << 8 | UInt16(maskBit | 127))
            buffer.writeInteger(UInt64(payloadLength))
        }
        if let maskingKey {
            buffer.writeInteger(maskingKey.rawValue)
        }
    }
}
