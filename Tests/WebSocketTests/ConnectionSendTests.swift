import NIOCore
import Testing

@testable import WebSocket

@Suite("Connection: sending messages")
struct ConnectionSendTests {
    private func frames(_ connection: inout WebSocketConnection) throws -> [WireFrame] {
        try decodeFrames(Array((connection.takeOutput() ?? ByteBuffer()).readableBytesView))
    }

    @Test func messageGoesOutAsOneUnmaskedFrameFromAServer() throws {
        var connection = WebSocketConnection(role: .server)
        try connection.send(.text("Hello"))
        try connection.send(.binary(ByteBuffer(bytes: [1, 2, 3])))
        #expect(try frames(&connection) == [.text("Hello"), WireFrame(opcode: .binary, payload: [1, 2, 3])])
    }

    @Test func messageIsFragmentedIntoFramesOfAtMostFragmentSize() throws {
        var connection = WebSocketConnection(role: .server)
        try connection.send(.text("Hello"), fragmentSize: 2)
        #expect(try frames(&connection) == [
            .text("He", fin: false),
            WireFrame(fin: false, opcode: .continuation, payload: Array("ll".utf8)),
            WireFrame(opcode: .continuation, payload: Array("o".utf8)),
        ])
    }

    @Test func messageNoLongerThanFragmentSizeIsOneFrame() throws {
        var connection = WebSocketConnection(role: .server)
        try connection.send(.text("Hello"), fragmentSize: 5)
        try connection.send(.text(""), fragmentSize: 5)
        #expect(try frames(&connection) == [.text("Hello"), .text("")])
    }

    @Test func clientMasksEveryFrameWithAFreshKey() throws {
        var connection = WebSocketConnection(role: .client)
        for index in 0..<10 { try connection.send(.text("message \(index)"), fragmentSize: 4) }
        try connection.sendPing(ByteBuffer("p"))
        connection.close()
        var bytes = connection.takeOutput()!
        var parser = WebSocketFrameParser()
        var keys: [WebSocketMaskingKey?] = []
        var payload: [UInt8] = []
        while let element = try parser.next(from: &bytes) {
            guard case .frame(let header, let framePayload) = element else { continue }
            keys.append(header.maskingKey)
            if header.opcode == .text || header.opcode == .continuation { payload += framePayload.readableBytesView }
        }
        #expect(keys.count == 10 * 3 + 2)
        #expect(keys.allSatisfy { $0 != nil })
        #expect(Set(keys).count == keys.count, "a fresh key for every frame")
        #expect(payload == Array((0..<10).map { "message \($0)" }.joined().utf8))
    }

    @Test func outputIsCoalescedUntilTakenAndNilWhenNothingIsPending() throws {
        var connection = WebSocketConnection(role: .server)
        #expect(connection.takeOutput() == nil)
        try connection.send(.text("one"))
        try connection.send(.text("two"))
        let output = connection.takeOutput()
        #expect(output.map { Array($0.readableBytesView) } == Wire.text("one", masked: false) + Wire.text("two", masked: false))
        #expect(connection.takeOutput() == nil)
    }

    @Test(arguments: [0, 1, 125, 126, 65535, 65536, 200_000])
    func messagesOfEveryLengthEncodingRoundTripBetweenServerAndClient(length: Int) throws {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 11) })
        for fragmentSize in [nil, 1000] as [Int?] {
            var server = WebSocketConnection(role: .server)
            var client = WebSocketConnection(role: .client)
            try server.send(.binary(payload), fragmentSize: fragmentSize)
            client.receive(server.takeOutput()!)
            #expect(client.nextEvent() == .message(.binary(payload)))
            try client.send(.binary(payload), fragmentSize: fragmentSize)
            server.receive(client.takeOutput()!)
            #expect(server.nextEvent() == .message(.binary(payload)))
            #expect(server.takeOutput() == nil && client.takeOutput() == nil)
        }
    }

    @Test func closingHandshakeRoundTripsBetweenServerAndClient() {
        var server = WebSocketConnection(role: .server)
        var client = WebSocketConnection(role: .client)
        client.close(code: .goingAway, reason: "done")
        server.receive(client.takeOutput()!)
        #expect(server.nextEvent() == .closeReceived(code: .goingAway, reason: "done"))
        #expect(server.shouldCloseTransport)
        client.receive(server.takeOutput()!)
        #expect(client.nextEvent() == .closeReceived(code: .goingAway, reason: ""))
        #expect(client.state == .closed && !client.shouldCloseTransport)
        client.transportClosed()
        #expect(client.closeCode == .goingAway)
    }

    @Test func messageTextIsDecodedOnlyForTextMessages() {
        #expect(WebSocketMessage.text("héllo").text == "héllo")
        #expect(WebSocketMessage.binary(ByteBuffer("héllo")).text == nil)
    }
}
