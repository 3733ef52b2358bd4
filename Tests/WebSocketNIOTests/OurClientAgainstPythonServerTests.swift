import Foundation
import NIOCore
import NIOPosix
import Testing
import WebSocket
import WebSocketNIO

/// Our client against a Python `websockets` echo server.
@Suite(.enabled(if: InteropPython.shouldRun), .serialized)
struct OurClientAgainstPythonServerTests {
    static let sizes = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20]

    static let options = WebSocketClient.Options(
        configuration: WebSocketHandlerConfiguration(
            protocolConfiguration: WebSocketConfiguration(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20),
            pingInterval: nil
        )
    )

    func roundTrip(compression: Bool) async throws {
        let (server, port) = try InteropPython.start("echo_server.py", [compression ? "compress" : "plain"])
        defer { server.stop() }
        var options = Self.options
        options.deflate = compression ? PerMessageDeflateOptions() : nil
        let url = try #require(WebSocketURL(string: "ws://127.0.0.1:\(port)/echo"))
        let connection = try await AsyncWebSocketConnection.connect(
            to: url,
            options: options,
            on: MultiThreadedEventLoopGroup.singleton
        )
        var events = connection.events.makeAsyncIterator()

        for size in Self.sizes {
            let text = String(repeating: "é✓x", count: size / 6 + 1).utf8.prefix(size)
            let textMessage = WebSocketMessage.text(String(decoding: text, as: UTF8.self))
            connection.send(textMessage)
            #expect(await events.next() == .message(textMessage), "text of \(size) bytes")

            var bytes = ByteBuffer()
            bytes.writeBytes((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let binary = WebSocketMessage.binary(bytes)
            connection.send(binary)
            #expect(await events.next() == .message(binary), "binary of \(size) bytes")
        }

        // Fragmented: our client splits the message into 1000-byte frames.
        var big = ByteBuffer()
        big.writeBytes([UInt8](repeating: 7, count: 10_000))
        connection.send(.binary(big), fragmentSize: 1000)
        #expect(await events.next() == .message(.binary(big)))

        connection.close(code: .normalClosure, reason: "done")
        #expect(await events.next() == .closed(.normalClosure))
    }

    @Test func ourClientRoundTripsWithCompression() async throws {
        try await roundTrip(compression: true)
    }

    @Test func ourClientRoundTripsWithoutCompression() async throws {
        try await roundTrip(compression: false)
    }
}
