import NIOCore
import Testing

@testable import WebSocket

/// Parses `bytes` into whole frames (joining payload parts) and the error that stopped parsing, if any.
private func parseAll(_ chunks: [[UInt8]], maxFrameSize: Int) -> (frames: [WebSocketFrame], error: WebSocketProtocolError?) {
    var parser = WebSocketFrameParser(maxFrameSize: maxFrameSize)
    var input = ByteBuffer()
    var frames: [WebSocketFrame] = []
    var pending: WebSocketFrame?
    for chunk in chunks {
        input.writeBytes(chunk)
        do {
            while let element = try parser.next(from: &input) {
                switch element {
                case .frame(let header, let payload):
                    frames.append(WebSocketFrame(header: header, payload: payload))
                case .frameHead(let header):
                    pending = WebSocketFrame(header: header, payload: ByteBuffer())
                case .payloadPart(var part, let isFrameEnd):
                    pending!.payload.writeBuffer(&part)
                    if isFrameEnd {
                        frames.append(pending!)
                        pending = nil
                    }
                }
            }
        } catch {
            return (frames, error)
        }
    }
    return (frames, nil)
}

/// Parses `bytes` in every split and expects the same frames and error each time.
private func parseInEverySplit(
    _ bytes: [UInt8],
    maxFrameSize: Int = 16 << 20,
    sourceLocation: SourceLocation = #_sourceLocation
) -> (frames: [WebSocketFrame], error: WebSocketProtocolError?) {
    let reference = parseAll([bytes], maxFrameSize: maxFrameSize)
    for sizes in chunkings(of: bytes.count).dropFirst() {
        var chunks: [[UInt8]] = []
        var offset = 0
        for size in sizes {
            chunks.append(Array(bytes[offset..<(offset + size)]))
            offset += size
        }
        let result = parseAll(chunks, maxFrameSize: maxFrameSize)
        if result.frames != reference.frames || result.error != reference.error {
            Issue.record("split \(sizes.count) chunks changed the parse: \(result) vs \(reference)", sourceLocation: sourceLocation)
            break
        }
    }
    return reference
}

extension WebSocketFrame {
    init(header: WebSocketFrameHeader, payload: ByteBuffer) {
        self.init(
            fin: header.fin, rsv1: header.rsv1, rsv2: header.rsv2, rsv3: header.rsv3,
            opcode: header.opcode, maskingKey: header.maskingKey, payload: payload
        )
    }
}

@Suite("Frame parser (RFC 6455 section 5.2)")
struct FrameParserTests {
    @Test func singleFrameUnmaskedTextFromRFCExample() {
        // RFC 6455 section 5.7: a single-frame unmasked text message "Hello".
        let result = parseInEverySplit([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        #expect(result.error == nil)
        #expect(result.frames == [WebSocketFrame(opcode: .text, payload: ByteBuffer("Hello"))])
    }

    @Test func singleFrameMaskedTextFromRFCExampleIsUnmasked() {
        // RFC 6455 section 5.7: the same message masked with key 37 fa 21 3d.
        let result = parseInEverySplit([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
        #expect(result.error == nil)
        #expect(result.frames == [WebSocketFrame(opcode: .text, maskingKey: Wire.key, payload: ByteBuffer("Hello"))])
    }

    @Test func fragmentedUnmaskedTextFromRFCExample() {
        // RFC 6455 section 5.7: "Hel" (FIN clear) then "lo" in a continuation frame.
        let result = parseInEverySplit([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F])
        #expect(result.frames == [
            WebSocketFrame(fin: false, opcode: .text, payload: ByteBuffer("Hel")),
            WebSocketFrame(opcode: .continuation, payload: ByteBuffer("lo")),
        ])
    }

    @Test func pingAndPongFromRFCExample() {
        // RFC 6455 section 5.7: unmasked ping "Hello", then a masked pong "Hello".
        let bytes: [UInt8] = [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        let result = parseInEverySplit(bytes)
        #expect(result.frames == [
            WebSocketFrame(opcode: .ping, payload: ByteBuffer("Hello")),
            WebSocketFrame(opcode: .pong, maskingKey: Wire.key, payload: ByteBuffer("Hello")),
        ])
    }

    @Test func sixteenBitLengthFromRFCExample() {
        // RFC 6455 section 5.7: 256 bytes binary message in a single unmasked frame: 0x82 0x7E 0x0100.
        let payload = (0..<256).map { UInt8($0 & 0xFF) }
        let result = parseInEverySplit([0x82, 0x7E, 0x01, 0x00] + payload)
        #expect(result.frames == [WebSocketFrame(opcode: .binary, payload: ByteBuffer(bytes: payload))])
    }

    @Test func sixtyFourBitLengthFromRFCExample() {
        // RFC 6455 section 5.7: 64 KiB binary message in a single unmasked frame: 0x82 0x7F 0x0000000000010000.
        let payload = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let result = parseInEverySplit([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0] + payload)
        #expect(result.frames == [WebSocketFrame(opcode: .binary, payload: ByteBuffer(bytes: payload))])
    }

    @Test(arguments: [0, 1, 125, 126, 127, 65535, 65536, 70000])
    func payloadLengthsAtEncodingBoundariesRoundTrip(length: Int) {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0) })
        for key in [nil, WebSocketMaskingKey(1, 2, 3, 4)] {
            var bytes = ByteBuffer()
            WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskingKey: key, into: &bytes)
            let result = parseAll([Array(bytes.readableBytesView)], maxFrameSize: .max)
            #expect(result.frames == [WebSocketFrame(opcode: .binary, maskingKey: key, payload: payload)])
        }
    }

    @Test func nonMinimalLengthEncodingIsAccepted() {
        // 5 bytes announced with the 16-bit form: RFC 6455 asks senders for the minimal form, but the
        // length is unambiguous, so we accept it (as Autobahn and most implementations do).
        let result = parseInEverySplit([0x82, 0x7E, 0x00, 0x05, 1, 2, 3, 4, 5])
        #expect(result.frames == [WebSocketFrame(opcode: .binary, payload: ByteBuffer(bytes: [1, 2, 3, 4, 5]))])
    }

    @Test func reservedBitsAreReportedNotJudged() {
        // Whether RSV bits are allowed depends on the negotiated extensions: the connection decides.
        let result = parseInEverySplit([0xF2, 0x01, 0xAA])
        #expect(result.error == nil)
        #expect(result.frames == [WebSocketFrame(rsv1: true, rsv2: true, rsv3: true, opcode: .binary, payload: ByteBuffer(bytes: [0xAA]))])
    }

    @Test(arguments: [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodeIsRejected(opcode: UInt8) {
        let result = parseInEverySplit([0x80 | opcode, 0x00])
        #expect(result.error == .reservedOpcode(opcode))
        #expect(result.error?.closeCode == .protocolError)
    }

    @Test func sixtyFourBitLengthWithMostSignificantBitSetIsRejected() {
        let result = parseInEverySplit([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1])
        #expect(result.error == .payloadLengthTooLarge)
        #expect(result.error?.closeCode == .protocolError)
    }

    @Test(arguments: [WebSocketOpcode.ping, .pong, .close])
    func fragmentedControlFrameIsRejected(opcode: WebSocketOpcode) {
        let result = parseInEverySplit([opcode.rawValue, 0x00])
        #expect(result.error == .fragmentedControlFrame)
        #expect(result.error?.closeCode == .protocolError)
    }

    @Test func controlFrameLongerThan125BytesIsRejectedFromItsFirstTwoBytes() {
        // 126 announced with the 16-bit form; the error comes before the extended length arrives.
        let result = parseAll([[0x89, 0xFE]], maxFrameSize: .max)
        #expect(result.error == .controlFrameTooLong)
        #expect(result.error?.closeCode == .protocolError)
    }

    @Test func controlFrameOf125BytesIsAccepted() {
        let result = parseInEverySplit([0x89, 0x7D] + Array(repeating: 0x61, count: 125))
        #expect(result.error == nil)
        #expect(result.frames.first?.payload.readableBytes == 125)
    }

    @Test func frameLargerThanMaxFrameSizeIsRejectedBeforeItsPayloadArrives() {
        // Only the header of a 1001-byte frame; the limit is 1000.
        let result = parseAll([[0x82, 0xFE, 0x03, 0xE9, 1, 2, 3, 4]], maxFrameSize: 1000)
        #expect(result.error == .frameTooLarge(length: 1001, limit: 1000))
        #expect(result.error?.closeCode == .messageTooBig)
    }

    @Test func frameOfExactlyMaxFrameSizeIsAccepted() {
        let result = parseInEverySplit([0x82, 0x7E, 0x03, 0xE8] + Array(repeating: 7, count: 1000), maxFrameSize: 1000)
        #expect(result.error == nil)
        #expect(result.frames.count == 1)
    }

    @Test func headerIsReportedBeforeThePayloadArrives() throws {
        var parser = WebSocketFrameParser()
        var input = ByteBuffer(bytes: [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F])
        let head = try parser.next(from: &input)
        #expect(head == .frameHead(WebSocketFrameHeader(opcode: .text, maskingKey: Wire.key, payloadLength: 5)))
        #expect(try parser.next(from: &input) == .payloadPart(ByteBuffer("He"), isFrameEnd: false))
        #expect(try parser.next(from: &input) == nil)
        input.writeBytes([0x4D, 0x51, 0x58])
        #expect(try parser.next(from: &input) == .payloadPart(ByteBuffer("llo"), isFrameEnd: true))
        #expect(parser.isAtFrameBoundary)
    }

    @Test func partialHeaderStaysInTheInput() throws {
        var parser = WebSocketFrameParser()
        var input = ByteBuffer(bytes: [0x82, 0x7E, 0x01])
        #expect(try parser.next(from: &input) == nil)
        #expect(input.readableBytes == 1, "the two first bytes are consumed, the half length stays")
        #expect(!parser.isAtFrameBoundary)
    }

    @Test func wholeUnmaskedFrameIsASliceOfTheInput() throws {
        var parser = WebSocketFrameParser()
        var input = ByteBuffer(bytes: [0x82, 0x04, 1, 2, 3, 4])
        let inputBase = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        guard case .frame(_, let payload) = try parser.next(from: &input) else {
            Issue.record("expected a whole frame")
            return
        }
        let payloadBase = payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadBase == inputBase + 2, "payload shares the input's storage (no copy)")
    }
}
