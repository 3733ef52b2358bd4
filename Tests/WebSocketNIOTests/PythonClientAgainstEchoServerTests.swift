import NIOCore
import NIOPosix
import Testing
import WebSocket
import WebSocketNIO

/// Python `websockets` as a client of our echo server: every size class of RFC 6455 lengths,
/// text and binary, fragmented messages, 0 B and 16 MiB, ping, close; with and without
/// permessage-deflate.
@Suite(.enabled(if: InteropPython.shouldRun), .serialized)
struct PythonClientAgainstEchoServerTests {
    static let configuration = WebSocketHandlerConfiguration(
        protocolConfiguration: WebSocketConfiguration(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20),
        pingInterval: nil
    )

    func withEchoServer(compression: Bool, _ body: (Int) async throws -> Void) async throws {
        let server = try await WebSocketEchoServer.bind(
            host: "127.0.0.1",
            port: 0,
            policy: WebSocketServerHandshakePolicy(permessageDeflate: compression ? PerMessageDeflateOptions() : nil),
            configuration: Self.configuration,
            group: MultiThreadedEventLoopGroup.singleton
        )
        let port = try #require(server.localAddress?.port)
        defer { server.close(promise: nil) }
        try await body(port)
    }

    @Test func pythonClientRoundTripsEveryMessageShapeWithCompression() async throws {
        try await withEchoServer(compression: true) { port in
            let (status, output) = try await InteropPython.run("echo_client_checks.py", ["ws://127.0.0.1:\(port)/", "compress"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("ok close 1000"))
            #expect(output.contains("permessage-deflate"))
        }
    }

    @Test func pythonClientRoundTripsEveryMessageShapeWithoutCompression() async throws {
        try await withEchoServer(compression: false) { port in
            let (status, output) = try await InteropPython.run("echo_client_checks.py", ["ws://127.0.0.1:\(port)/", "plain"])
            #expect(status == 0, "\(output)")
            #expect(output.contains("ok binary 16777216 bytes"))
            #expect(output.contains("ok close 1000"))
        }
    }
}
