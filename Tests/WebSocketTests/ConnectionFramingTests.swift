import NIOCore
import Testing

@testable import WebSocket

@Suite("Connection: framing rules (RFC 6455 sections 5.1-5.4)")
struct ConnectionFramingTests {
    @Test func maskedTextFrameBecomesATextMessage() {
        let transcript = replay(Wire.text("Hello"))
        #expect(transcript.events == [.message(.text("Hello"))])
        #expect(transcript.output.isEmpty)
        #expect(transcript.state == .open)
        #expect(!transcript.shouldCloseTransport)
    }

    @Test func binaryFrameBecomesABinaryMessage() {
        let transcript = replay(Wire.binary([0, 0xFF, 0x80]))
        #expect(transcript.events == [.message(.binary(ByteBuffer(bytes: [0, 0xFF, 0x80])))])
    }

    @Test func emptyFramesBecomeEmptyMessages() {
        let transcript = replay(Wire.text("") + Wire.binary([]))
        #expect(transcript.events == [.message(.text("")), .message(.binary(ByteBuffer()))])
    }

    @Test func serverRejectsUnmaskedClientFrameWith1002() {
        let transcript = replay(Wire.text("Hello", masked: false))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.unmaskedFrameFromClient))
        #expect(transcript.state == .closed)
        #expect(transcript.shouldCloseTransport)
        #expect(transcript.closeCode == .protocolError)
    }

    @Test func clientRejectsMaskedServerFrameWith1002() {
        let transcript = replay(Wire.text("Hello", masked: true), role: .client)
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.output.allSatisfy { $0.masked }, "a client masks its close frame too")
        #expect(transcript.failure == .protocolError(.maskedFrameFromServer))
        #expect(transcript.shouldCloseTransport, "a client that fails the connection closes TCP itself")
    }

    @Test func clientAcceptsUnmaskedServerFrames() {
        let transcript = replay(Wire.text("Hello", masked: false), role: .client)
        #expect(transcript.events == [.message(.text("Hello"))])
    }

    @Test(arguments: [(true, false, false), (false, true, false), (false, false, true), (true, true, true)])
    func reservedBitsWithoutNegotiatedExtensionFailWith1002(rsv: (Bool, Bool, Bool)) {
        let transcript = replay(Wire.frame(.text, Array("Hi".utf8), rsv1: rsv.0, rsv2: rsv.1, rsv3: rsv.2))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.reservedBitsSet))
    }

    @Test(arguments: [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodeFailsWith1002(opcode: UInt8) {
        let transcript = replay(Wire.frame(WebSocketOpcode(rawValue: opcode)!, [1, 2]))
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.reservedOpcode(opcode)))
    }

    @Test func fragmentedControlFrameFailsWith1002() {
        let transcript = replay(Wire.frame(.ping, Array("Hi".utf8), fin: false))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.fragmentedControlFrame))
    }

    @Test func controlFrameLongerThan125BytesFailsWith1002() {
        let transcript = replay(Wire.frame(.ping, Array(repeating: 0x61, count: 126)))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.controlFrameTooLong))
    }

    @Test func payloadLengthWithMostSignificantBitSetFailsWith1002() {
        let transcript = replay([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 0x37, 0xFA, 0x21, 0x3D])
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.payloadLengthTooLarge))
    }

    @Test func continuationWithoutAMessageFailsWith1002() {
        let transcript = replay(Wire.continuation(Array("orphan".utf8)))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.continuationWithoutMessage))
    }

    @Test func newDataFrameInsideAFragmentedMessageFailsWith1002() {
        let transcript = replay(Wire.text("first", fin: false) + Wire.binary([1]))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.dataFrameInsideFragmentedMessage))
    }

    @Test func fragmentedMessageIsReassembled() {
        let input = Wire.text("Hel", fin: false) + Wire.continuation(Array("lo, ".utf8), fin: false) + Wire.continuation(Array("world".utf8))
        let transcript = replay(input)
        #expect(transcript.events == [.message(.text("Hello, world"))])
    }

    @Test func fragmentedMessageWithEmptyFragmentsIsReassembled() {
        let input = Wire.binary([], fin: false) + Wire.continuation([7], fin: false) + Wire.continuation([])
        #expect(replay(input).events == [.message(.binary(ByteBuffer(bytes: [7])))])
    }

    @Test func controlFramesMayBeInjectedBetweenFragments() {
        let input =
            Wire.text("frag1", fin: false) + Wire.frame(.ping, Array("p".utf8))
            + Wire.continuation(Array("frag2".utf8), fin: false) + Wire.frame(.pong, Array("q".utf8))
            + Wire.continuation(Array("frag3".utf8))
        let transcript = replay(input)
        #expect(transcript.events == [
            .ping(ByteBuffer("p")), .pong(ByteBuffer("q")), .message(.text("frag1frag2frag3")),
        ])
        #expect(transcript.output == [.pong(Array("p".utf8))])
    }

    @Test func eventsAreHandledInFrameOrderSoAnEchoPrecedesTheFailure() {
        // Autobahn 5.15: a complete fragmented message, then a continuation with nothing to continue,
        // all in one read. The echo of the first message must go out before the close.
        let input =
            Wire.text("fragment1", fin: false) + Wire.continuation(Array("fragment2".utf8))
            + Wire.continuation(Array("fragment3".utf8), fin: false) + Wire.text("fragment4")
        let transcript = replay(input, react: echo)
        #expect(transcript.events == [.message(.text("fragment1fragment2"))])
        #expect(transcript.output.map(\.opcode) == [.text, .close])
        #expect(transcript.output.first == .text("fragment1fragment2"))
        #expect(transcript.sentCloseCodes == [.protocolError])
    }

    @Test func messageBeforeABadFrameIsEchoedAndTheFollowingPingIsNotAnswered() {
        // Autobahn 3.2: text message, then a frame with RSV2, then a ping, in one read.
        let input = Wire.text("Hello") + Wire.frame(.text, Array("bad".utf8), rsv2: true) + Wire.frame(.ping)
        let transcript = replay(input, react: echo)
        #expect(transcript.events == [.message(.text("Hello"))])
        #expect(transcript.output.map(\.opcode) == [.text, .close])
        #expect(transcript.sentCloseCodes == [.protocolError])
    }

    @Test func inputAfterAFailureIsIgnored() {
        var connection = WebSocketConnection(role: .server)
        connection.receive(ByteBuffer(bytes: Wire.text("x", masked: false)))
        #expect(connection.nextEvent() == nil)
        #expect(connection.takeOutput() != nil)
        connection.receive(ByteBuffer(bytes: Wire.text("later")))
        #expect(connection.nextEvent() == nil)
        #expect(connection.takeOutput() == nil)
    }

    @Test func incompleteFrameYieldsNothingUntilItCompletes() {
        let bytes = Wire.text("Hello")
        var connection = WebSocketConnection(role: .server)
        connection.receive(ByteBuffer(bytes: bytes.dropLast()))
        #expect(connection.nextEvent() == nil)
        connection.receive(ByteBuffer(bytes: bytes.suffix(1)))
        #expect(connection.nextEvent() == .message(.text("Hello")))
        #expect(connection.nextEvent() == nil)
    }

    @Test func manyFramesInOneReadAreAllDelivered() {
        let input = (0..<50).flatMap { Wire.text("message \($0)") }
        let transcript = replay(input)
        #expect(transcript.events == (0..<50).map { .message(.text("message \($0)")) })
    }

    @Test func largeFragmentedMessageIsReassembledInAnySplit() {
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let input = Wire.binary(Array(payload[..<1]), fin: false) + Wire.continuation(Array(payload[1..<65_537]), fin: false)
            + Wire.continuation(Array(payload[65_537...]))
        let transcript = replay(input)
        #expect(transcript.events == [.message(.binary(ByteBuffer(bytes: payload)))])
    }
}
