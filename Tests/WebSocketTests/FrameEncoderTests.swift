import NIOCore
import Testing

@testable import WebSocket

@Suite("Frame encoder (RFC 6455 section 5.2)")
struct FrameEncoderTests {
    private func encoded(
        _ opcode: WebSocketOpcode,
        _ payload: [UInt8],
        fin: Bool = true,
        rsv1: Bool = false,
        key: WebSocketMaskingKey? = nil
    ) -> [UInt8] {
        var buffer = ByteBuffer()
        WebSocketFrameEncoder.encode(opcode: opcode, payload: ByteBuffer(bytes: payload), fin: fin, rsv1: rsv1, maskingKey: key, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test func headerSizeFollowsLengthEncodingAndMasking() {
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 0, masked: false) == 2)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 125, masked: false) == 2)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 126, masked: false) == 4)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 65535, masked: false) == 4)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 65536, masked: false) == 10)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 0, masked: true) == 6)
        #expect(WebSocketFrameEncoder.headerSize(payloadLength: 65536, masked: true) == 14)
    }

    @Test func unmaskedTextMatchesRFCExample() {
        #expect(encoded(.text, Array("Hello".utf8)) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    @Test func maskedTextMatchesRFCExample() {
        #expect(encoded(.text, Array("Hello".utf8), key: Wire.key) == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func fragmentsMatchRFCExample() {
        #expect(encoded(.text, Array("Hel".utf8), fin: false) == [0x01, 0x03, 0x48, 0x65, 0x6C])
        #expect(encoded(.continuation, Array("lo".utf8)) == [0x80, 0x02, 0x6C, 0x6F])
    }

    @Test func sixteenAndSixtyFourBitLengthsMatchRFCExamples() {
        #expect(Array(encoded(.binary, Array(repeating: 0, count: 256)).prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(Array(encoded(.binary, Array(repeating: 0, count: 65536)).prefix(10)) == [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
    }

    @Test func rsv1SetsTheCompressionBit() {
        #expect(encoded(.text, [], rsv1: true) == [0xC1, 0x00])
    }

    @Test func frameEncodingIncludesAllReservedBits() {
        var buffer = ByteBuffer()
        WebSocketFrameEncoder.encode(
            WebSocketFrame(fin: false, rsv1: true, rsv2: true, rsv3: true, opcode: .binary, payload: ByteBuffer()),
            into: &buffer
        )
        #expect(Array(buffer.readableBytesView) == [0x72, 0x00])
    }

    @Test func headerThenPayloadEqualsWholeFrame() {
        let payload = ByteBuffer(bytes: Array(repeating: 0x41, count: 300))
        var split = ByteBuffer()
        WebSocketFrameEncoder.encodeHeader(opcode: .text, payloadLength: 300, into: &split)
        split.writeImmutableBuffer(payload)
        var whole = ByteBuffer()
        WebSocketFrameEncoder.encode(opcode: .text, payload: payload, into: &whole)
        #expect(split == whole)
    }

    @Test func encodingAppendsToExistingBytes() {
        var buffer = ByteBuffer(bytes: [0xAA])
        WebSocketFrameEncoder.encode(opcode: .ping, payload: ByteBuffer(), into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0xAA, 0x89, 0x00])
    }
}
