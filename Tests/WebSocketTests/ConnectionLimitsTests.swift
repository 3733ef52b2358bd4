import NIOCore
import Testing

@testable import WebSocket

@Suite("Connection: frame and message size limits (close 1009)")
struct ConnectionLimitsTests {
    @Test func defaultLimitsAre16MiB() {
        let configuration = WebSocketConfiguration()
        #expect(configuration.maxFrameSize == 16 << 20)
        #expect(configuration.maxMessageSize == 16 << 20)
    }

    @Test func frameLargerThanMaxFrameSizeFailsWith1009AsSoonAsItsHeaderArrives() {
        // Header of a 101-byte masked frame and none of its payload.
        let header = Array(Wire.binary(Array(repeating: 0, count: 101)).prefix(8))
        let transcript = replay(header, configuration: .init(maxFrameSize: 100))
        #expect(transcript.sentCloseCodes == [.messageTooBig])
        #expect(transcript.failure == .protocolError(.frameTooLarge(length: 101, limit: 100)))
        #expect(transcript.shouldCloseTransport)
    }

    @Test func frameOfExactlyMaxFrameSizeIsAccepted() {
        let payload = Array(repeating: UInt8(1), count: 100)
        let transcript = replay(Wire.binary(payload), configuration: .init(maxFrameSize: 100))
        #expect(transcript.events == [.message(.binary(ByteBuffer(bytes: payload)))])
    }

    @Test func messageLargerThanMaxMessageSizeFailsWith1009AtTheHeaderThatCrossesIt() {
        // Six bytes, then the header (no payload yet) of a five-byte continuation: 11 > 10.
        let input = Wire.binary([1, 2, 3, 4, 5, 6], fin: false) + Array(Wire.continuation([7, 8, 9, 10, 11]).prefix(6))
        let transcript = replay(input, configuration: .init(maxMessageSize: 10))
        #expect(transcript.sentCloseCodes == [.messageTooBig])
        #expect(transcript.failure == .protocolError(.messageTooBig(limit: 10)))
    }

    @Test func singleFrameMessageLargerThanMaxMessageSizeFailsWith1009() {
        let transcript = replay(Wire.text("eleven char"), configuration: .init(maxMessageSize: 10))
        #expect(transcript.sentCloseCodes == [.messageTooBig])
    }

    @Test func messageOfExactlyMaxMessageSizeIsAccepted() {
        let input = Wire.text("12345", fin: false) + Wire.continuation(Array("67890".utf8))
        let transcript = replay(input, configuration: .init(maxMessageSize: 10))
        #expect(transcript.events == [.message(.text("1234567890"))])
    }

    @Test func controlFramesDoNotCountTowardTheMessageSize() {
        let input = Wire.text("12345", fin: false) + Wire.frame(.ping, Array("123456".utf8)) + Wire.continuation(Array("67890".utf8))
        let transcript = replay(input, configuration: .init(maxMessageSize: 10))
        #expect(transcript.events.last == .message(.text("1234567890")))
    }

    @Test func sizeCountsRestartWithEachMessage() {
        let input = Wire.text("1234567890") + Wire.text("abcdefghij")
        let transcript = replay(input, configuration: .init(maxMessageSize: 10))
        #expect(transcript.events.count == 2)
        #expect(transcript.failure == nil)
    }
}
