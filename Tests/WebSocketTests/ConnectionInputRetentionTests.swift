import NIOCore
import Testing

@testable import WebSocket

/// The connection lets go of the buffers it was given once it has parsed them: NIO reuses a
/// channel's read buffer only while nobody else holds it, so a buffer kept after use makes every
/// idle connection allocate and pool a second one.
@Suite("Connection: input buffers are released once consumed")
struct ConnectionInputRetentionTests {
    @Test func aFullyParsedReadIsNoLongerReferenced() {
        var connection = WebSocketConnection(role: .server)
        var read = ByteBuffer(bytes: Wire.frame(.pong, Array("keepalive".utf8)) + Wire.frame(.ping, [7]))
        connection.receive(read)
        var events: [WebSocketEvent] = []
        while let event = connection.nextEvent() { events.append(event) }
        #expect(events.count == 2)
        events.removeAll()  // the events' payloads are slices of the read; the caller dropped them
        #expect(read.modifyIfUniquelyOwned { _ in true } == true, "the connection still holds the read buffer")
    }

    @Test func aPartialFrameIsKeptUntilItCompletes() {
        let frame = Wire.frame(.ping, Array("split".utf8))
        var connection = WebSocketConnection(role: .server)
        var first = ByteBuffer(bytes: frame.prefix(3))
        connection.receive(first)
        #expect(connection.nextEvent() == nil)
        #expect(first.modifyIfUniquelyOwned { _ in true } == nil, "its bytes are still needed")
        connection.receive(ByteBuffer(bytes: frame.dropFirst(3)))
        #expect(connection.nextEvent() == .ping(ByteBuffer(string: "split")))
        #expect(connection.nextEvent() == nil)
        #expect(first.modifyIfUniquelyOwned { _ in true } == true)
    }
}
