import NIOCore
import Testing

@testable import WebSocket

@Suite("Connection: closing handshake (RFC 6455 sections 5.5.1, 7)")
struct ConnectionCloseTests {
    @Test func peerCloseIsEchoedAndTheServerClosesTheTransport() {
        let transcript = replay(Wire.close(code: 1000, reason: Array("bye".utf8)))
        #expect(transcript.events == [.closeReceived(code: .normalClosure, reason: "bye")])
        #expect(transcript.sentCloseCodes == [.normalClosure])
        #expect(transcript.state == .closed)
        #expect(transcript.shouldCloseTransport)
        #expect(transcript.closeCode == .normalClosure)
        #expect(transcript.failure == nil)
    }

    @Test func emptyCloseIsAnsweredWithAnEmptyClose() {
        // Autobahn 7.3.1 accepts an empty reply or 1000; echoing exactly what we got is the RFC's "typically".
        let transcript = replay(Wire.close(code: nil))
        #expect(transcript.events == [.closeReceived(code: nil, reason: "")])
        #expect(transcript.output == [WireFrame(opcode: .close, payload: [])])
        #expect(transcript.closeCode == .noStatusReceived)
        #expect(transcript.shouldCloseTransport)
    }

    @Test func closeWithAOneBytePayloadFailsWith1002() {
        let transcript = replay(Wire.frame(.close, [0x03]))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.closePayloadTooShort))
        #expect(transcript.shouldCloseTransport)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func closeWithACodeNotAllowedOnTheWireFailsWith1002(code: UInt16) {
        let transcript = replay(Wire.close(code: code))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.protocolError])
        #expect(transcript.failure == .protocolError(.invalidCloseCode(code)))
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] as [UInt16])
    func closeWithAValidCodeIsEchoed(code: UInt16) {
        let transcript = replay(Wire.close(code: code))
        #expect(transcript.events == [.closeReceived(code: WebSocketCloseCode(rawValue: code), reason: "")])
        #expect(transcript.sentCloseCodes == [WebSocketCloseCode(rawValue: code)])
        #expect(transcript.failure == nil)
    }

    @Test func closeWithInvalidUTF8ReasonFailsWith1007() {
        let transcript = replay(Wire.close(code: 1000, reason: ConnectionTextTests.invalidText))
        #expect(transcript.events.isEmpty)
        #expect(transcript.sentCloseCodes == [.invalidPayloadData])
        #expect(transcript.failure == .protocolError(.invalidCloseReason))
    }

    @Test func closeWithA123ByteReasonIsAccepted() {
        let reason = String(repeating: "*", count: 123)
        let transcript = replay(Wire.close(code: 1000, reason: Array(reason.utf8)))
        #expect(transcript.events == [.closeReceived(code: .normalClosure, reason: reason)])
    }

    @Test func closeBetweenFragmentsCompletesTheHandshake() {
        // Autobahn 7.1.5: the unfinished message is dropped and the close is echoed with 1000.
        let input = Wire.text("fragment1", fin: false) + Wire.close(code: 1000) + Wire.continuation(Array("fragment2".utf8))
        let transcript = replay(input, react: echo)
        #expect(transcript.events == [.closeReceived(code: .normalClosure, reason: "")])
        #expect(transcript.sentCloseCodes == [.normalClosure])
        #expect(transcript.failure == nil)
    }

    @Test func framesAfterThePeersCloseAreIgnored() {
        // Autobahn 7.1.2-7.1.4: a second close, a ping or a text message after the close get no answer.
        let input = Wire.close(code: 1000) + Wire.frame(.ping) + Wire.text("late") + Wire.close(code: 1001)
        let transcript = replay(input, react: echo)
        #expect(transcript.events == [.closeReceived(code: .normalClosure, reason: "")])
        #expect(transcript.output.map(\.opcode) == [.close])
    }

    @Test func messageBeforeTheCloseIsEchoedBeforeTheCloseReply() {
        // Autobahn 7.1.1: a message followed by a close in one read.
        let transcript = replay(Wire.text("Hello") + Wire.close(code: 1000), react: echo)
        #expect(transcript.output.map(\.opcode) == [.text, .close])
    }

    @Test func serverStartedCloseDropsDataAndCompletesOnThePeersClose() {
        let input = Wire.text("in flight") + Wire.close(code: 1001)
        let transcript = replay(input, prepare: { $0.close(code: .goingAway, reason: "restart") }, react: echo)
        #expect(transcript.events == [.closeReceived(code: .goingAway, reason: "")])
        #expect(transcript.output.count == 1, "no second close frame, no echo")
        #expect(transcript.output.first?.closeCode == .goingAway)
        #expect(transcript.output.first?.closeReason == "restart")
        #expect(transcript.state == .closed)
        #expect(transcript.shouldCloseTransport)
    }

    @Test func closeMovesToClosingAndStopsSending() throws {
        var connection = WebSocketConnection(role: .server)
        connection.close()
        #expect(connection.state == .closing)
        #expect(!connection.shouldCloseTransport)
        #expect(connection.closeCode == .normalClosure)
        #expect(throws: WebSocketSendError.notOpen) { try connection.send(.text("late")) }
        #expect(throws: WebSocketSendError.notOpen) { try connection.sendPing(ByteBuffer()) }
        connection.close(code: .goingAway)
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames.map(\.closeCode) == [.normalClosure], "a second close() is a no-op")
    }

    @Test func serverStartedCloseAsksForTheWriteSideToBeShutDown() {
        var connection = WebSocketConnection(role: .server)
        #expect(!connection.shouldShutdownTransportOutput)
        connection.close(code: .policyViolation)
        #expect(connection.shouldShutdownTransportOutput, "RFC 6455 section 7.1.1: the server ends TCP first")
        #expect(!connection.shouldCloseTransport, "but keeps reading for the peer's close")
        #expect(connection.takeOutput() != nil, "the close frame goes out before the shutdown")
    }

    @Test func clientStartedCloseLeavesTheTransportToTheServer() {
        var connection = WebSocketConnection(role: .client)
        connection.close()
        #expect(!connection.shouldShutdownTransportOutput)
        #expect(!connection.shouldCloseTransport)
    }

    @Test func answeringThePeersCloseOrFailingDoesNotHalfClose() {
        // The server closes the whole transport then (shouldCloseTransport), no half-close first.
        let answered = replay(Wire.close(code: 1000))
        #expect(!answered.shouldShutdownTransportOutput)
        #expect(answered.shouldCloseTransport)
        let failed = replay(Wire.frame(.close, [0x03]))
        #expect(!failed.shouldShutdownTransportOutput)
        #expect(failed.shouldCloseTransport)
    }

    @Test func pingWhileClosingIsReportedButNotAnswered() {
        let transcript = replay(Wire.frame(.ping, [1]), prepare: { $0.close() })
        #expect(transcript.events == [.ping(ByteBuffer(bytes: [1]))])
        #expect(transcript.output.map(\.opcode) == [.close])
        #expect(transcript.state == .closing)
    }

    @Test func failureWhileClosingSendsNoSecondClose() {
        let transcript = replay(Wire.text("x", masked: false), prepare: { $0.close() })
        #expect(transcript.sentCloseCodes == [.normalClosure])
        #expect(transcript.failure == .protocolError(.unmaskedFrameFromClient))
        #expect(transcript.shouldCloseTransport)
    }

    @Test func clientWaitsForTheServerToCloseTheTransport() {
        let transcript = replay(Wire.close(code: 1000, masked: false), role: .client)
        #expect(transcript.events == [.closeReceived(code: .normalClosure, reason: "")])
        #expect(transcript.output.count == 1)
        #expect(transcript.output.first?.masked == true)
        #expect(transcript.output.first?.closeCode == .normalClosure)
        #expect(transcript.state == .closed)
        #expect(!transcript.shouldCloseTransport, "RFC 6455 section 7.1.1: the server closes TCP first")
    }

    @Test func clientStartedCloseCompletesOnTheServersReply() {
        let transcript = replay(Wire.close(code: 1000, masked: false), role: .client, prepare: { $0.close() })
        #expect(transcript.sentCloseCodes == [.normalClosure])
        #expect(transcript.state == .closed)
        #expect(!transcript.shouldCloseTransport)
        #expect(transcript.closeCode == .normalClosure)
    }

    @Test func transportDroppedWhileOpenReports1006() {
        var connection = WebSocketConnection(role: .server)
        connection.transportClosed()
        #expect(connection.state == .closed)
        #expect(connection.closeCode == .abnormalClosure)
        #expect(connection.takeOutput() == nil)
    }

    @Test func transportClosedAfterTheHandshakeKeepsThePeersCode() {
        let transcript = replay(Wire.close(code: 4001, masked: false), role: .client, finish: { $0.transportClosed() })
        #expect(transcript.closeCode == WebSocketCloseCode(rawValue: 4001))
        #expect(transcript.state == .closed)
    }

    @Test func transportDroppedInTheMiddleOfAMessageReports1006() {
        let transcript = replay(Wire.text("unfinished", fin: false), finish: { $0.transportClosed() })
        #expect(transcript.events.isEmpty)
        #expect(transcript.closeCode == .abnormalClosure)
        #expect(transcript.output.isEmpty)
    }

    @Test func transportDroppedAfterOurCloseReportsOurCode() {
        var connection = WebSocketConnection(role: .server)
        connection.close(code: .goingAway)
        connection.transportClosed()
        #expect(connection.closeCode == .goingAway)
    }

    @Test func closeReasonIsCutTo123BytesWithoutSplittingACodePoint() throws {
        var connection = WebSocketConnection(role: .server)
        connection.close(reason: String(repeating: "é", count: 100))
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames.first?.payload.count == 2 + 122)
        #expect(frames.first?.closeReason == String(repeating: "é", count: 61))
    }

    @Test func closeWithALocalOnlyCodeSendsAnEmptyClose() throws {
        var connection = WebSocketConnection(role: .server)
        connection.close(code: .abnormalClosure)
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames == [WireFrame(opcode: .close, payload: [])])
    }
}
