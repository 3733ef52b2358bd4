import NIOCore
import Testing

@testable import WebSocket

@Suite("Connection: text messages are valid UTF-8 (RFC 6455 sections 5.6, 8.1)")
struct ConnectionTextTests {
    /// "κόσμε" followed by a UTF-16 surrogate (ED A0 80) and "edited" (Autobahn 6.3.1).
    static let invalidText: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64]

    @Test func invalidUTF8InATextFrameFailsWith1007() {
        let transcript = replay(Wire.frame(.text, Self.invalidText))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
        #expect(transcript.failure == .protocolError(.invalidUTF8))
        #expect(transcript.shouldCloseTransport)
    }

    @Test func invalidUTF8FailsBeforeTheRestOfTheFrameArrives() {
        // Only the frame's first 12 payload bytes (up to the surrogate's ED A0) have arrived.
        let frame = Wire.frame(.text, Self.invalidText)
        let transcript = replay(Array(frame.prefix(6 + 13)))
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
        #expect(transcript.failure == .protocolError(.invalidUTF8))
    }

    @Test func invalidUTF8FailsBeforeTheMessageEnds() {
        // Autobahn 6.4.1: a valid fragment, then one holding an out-of-range code point, and no final fragment yet.
        let input = Wire.frame(.text, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5], fin: false)
            + Wire.continuation([0xF4, 0x90, 0x80, 0x80], fin: false)
        let transcript = replay(input)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
    }

    @Test func invalidSequenceAcrossFragmentsFailsWith1007() {
        // Autobahn 6.4.2: F4 ends the first fragment, 90 (out of range after F4) starts the second.
        let input = Wire.frame(.text, [0xCE, 0xBA, 0xF4], fin: false) + Wire.continuation([0x90], fin: false)
        #expect(replay(input).sentCloseCodes == [.invalidPayloadData])
    }

    @Test func codePointSplitAcrossFragmentsIsAccepted() {
        let input = Wire.frame(.text, [0x61, 0xF0, 0x9F], fin: false) + Wire.continuation([0x8E], fin: false) + Wire.continuation([0x89, 0x62])
        #expect(replay(input).events == [.message(.text("a🎉b"))])
    }

    @Test func fragmentEndingInsideACodePointIsNotYetAnError() {
        let transcript = replay(Wire.frame(.text, [0xE2, 0x82], fin: false))
        #expect(transcript.output.isEmpty)
        #expect(transcript.state == .open)
    }

    @Test func messageEndingInsideACodePointFailsWith1007() {
        let transcript = replay(Wire.frame(.text, [0x61, 0xE2, 0x82]))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
    }

    @Test func fragmentedMessageEndingInsideACodePointFailsWith1007() {
        let input = Wire.frame(.text, [0x61, 0xE2], fin: false) + Wire.continuation([0x82])
        #expect(replay(input).sentCloseCodes == [.invalidPayloadData])
    }

    @Test func validMultibyteTextIsDelivered() {
        let text = "Hello-µ@ßöäüàá-UTF-8!! κόσμε 中文 🎉"
        let transcript = replay(Wire.text(text))
        #expect(transcript.events == [.message(.text(text))])
        #expect(transcript.messages.first?.text == text)
    }

    @Test func binaryMessagesAreNotValidated() {
        let transcript = replay(Wire.binary(Self.invalidText))
        #expect(transcript.events == [.message(.binary(ByteBuffer(bytes: Self.invalidText)))])
        #expect(transcript.messages.first?.text == nil)
    }

    @Test func invalidUTF8InAMessageStartedBeforeOurCloseIsNotChecked() {
        // Once we sent a close, data frames are dropped unread (RFC 6455 section 5.5.1 lets the peer finish).
        let transcript = replay(Wire.frame(.text, Self.invalidText) + Wire.close(code: 1000), prepare: { $0.close() })
        #expect(transcript.events == [.closeReceived(code: .normalClosure, reason: "")])
        #expect(transcript.failure == nil)
    }
}
