import NIOCore
import Testing

@testable import WebSocket

@Suite("Connection: ping, pong and keepalive (RFC 6455 sections 5.5.2, 5.5.3)")
struct ConnectionPingTests {
    @Test func pingIsAnsweredWithAPongCarryingItsPayload() {
        let payload = (0..<125).map { UInt8($0) }
        let transcript = replay(Wire.frame(.ping, payload))
        #expect(transcript.events == [.ping(ByteBuffer(bytes: payload))])
        #expect(transcript.output == [.pong(payload)])
        #expect(transcript.state == .open)
    }

    @Test func emptyPingIsAnsweredWithAnEmptyPong() {
        #expect(replay(Wire.frame(.ping)).output == [.pong([])])
    }

    @Test func everyPingGetsItsOwnPongInOrder() {
        // Autobahn 2.10: ten pings in a row.
        let input = (0..<10).flatMap { Wire.frame(.ping, Array("payload-\($0)".utf8)) }
        let transcript = replay(input)
        #expect(transcript.output == (0..<10).map { .pong(Array("payload-\($0)".utf8)) })
    }

    @Test func unsolicitedPongIsReportedAndOtherwiseIgnored() {
        let transcript = replay(Wire.frame(.pong, Array("unsolicited".utf8)))
        #expect(transcript.events == [.pong(ByteBuffer("unsolicited"))])
        #expect(transcript.output.isEmpty)
        #expect(transcript.state == .open)
    }

    @Test func clientPongIsMasked() {
        let transcript = replay(Wire.frame(.ping, [1, 2], masked: false), role: .client)
        #expect(transcript.output == [.pong([1, 2], masked: true)])
    }

    @Test func sendPingQueuesAPingAndRejectsLongPayloads() throws {
        var connection = WebSocketConnection(role: .server)
        try connection.sendPing(ByteBuffer("are you there"))
        #expect(throws: WebSocketSendError.controlPayloadTooLong) {
            try connection.sendPing(ByteBuffer(repeating: 0, count: 126))
        }
        #expect(throws: WebSocketSendError.controlPayloadTooLong) {
            try connection.sendPong(ByteBuffer(repeating: 0, count: 126))
        }
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames == [WireFrame(opcode: .ping, payload: Array("are you there".utf8))])
    }

    @Test func keepalivePingAwaitsAPongAndAnyPongSatisfiesIt() {
        let transcript = replay(Wire.frame(.pong, Array("anything".utf8)), prepare: { $0.sendKeepalivePing() })
        #expect(transcript.output.map(\.opcode) == [.ping])
        #expect(transcript.output.first?.payload.count == 8)
        #expect(!transcript.isAwaitingPong)
        #expect(transcript.state == .open)
    }

    @Test func keepaliveDeadlineAfterThePongDoesNothing() {
        let transcript = replay(
            Wire.frame(.pong),
            prepare: { $0.sendKeepalivePing() },
            finish: { $0.keepalivePongDeadlinePassed() }
        )
        #expect(transcript.events == [.pong(ByteBuffer())])
        #expect(transcript.output.map(\.opcode) == [.ping])
        #expect(transcript.state == .open)
        #expect(!transcript.shouldCloseTransport)
    }

    @Test func missingKeepalivePongFailsTheConnectionWith1011() {
        let transcript = replay(
            Wire.text("data is not a pong"),
            prepare: { $0.sendKeepalivePing() },
            finish: { $0.keepalivePongDeadlinePassed() }
        )
        #expect(transcript.events == [.message(.text("data is not a pong"))])
        #expect(transcript.output.map(\.opcode) == [.ping, .close])
        #expect(transcript.sentCloseCodes == [.internalError])
        #expect(transcript.output.last?.closeReason == "keepalive timeout")
        #expect(transcript.failure == .keepaliveTimeout)
        #expect(transcript.shouldCloseTransport)
        #expect(transcript.state == .closed)
    }

    @Test func keepaliveDeadlineWithoutAPingDoesNothing() {
        var connection = WebSocketConnection(role: .server)
        connection.keepalivePongDeadlinePassed()
        #expect(connection.state == .open)
        #expect(connection.takeOutput() == nil)
    }

    @Test func keepalivePingsCarryDistinctPayloads() throws {
        var connection = WebSocketConnection(role: .client)
        connection.sendKeepalivePing()
        connection.sendKeepalivePing()
        let frames = try decodeFrames(Array(connection.takeOutput()!.readableBytesView))
        #expect(frames.count == 2)
        #expect(frames.allSatisfy { $0.masked && $0.opcode == .ping })
        #expect(frames[0].payload != frames[1].payload)
    }
}
