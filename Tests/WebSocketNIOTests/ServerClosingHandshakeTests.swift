import Foundation
import NIOCore
import NIOPosix
import Testing
import TestWebSocketSupport
import WebSocket
import WebSocketNIO

#if canImport(Glibc)
import Glibc
#endif

/// `WebSocketHandler` as a server that starts the closing handshake, against a raw client that
/// allows the remote half-closure (so the end of the server's stream is an event, not a close):
/// the close frame, then the end of the stream before the client answers; the server still
/// reads the answer. And when the transport cannot half-close, the cork is lifted and the server
/// simply waits for the answer.
@Suite(.timeLimit(.minutes(1))) struct ServerClosingHandshakeTests {
    @Test func closeFromInsideAReadIsFollowedByTheEndOfTheStreamBeforeTheAnswer() async throws {
        let server = try await ClosingServer.start(canHalfClose: true)
        defer { server.listener.close(promise: nil) }
        let client = try await HalfCloseClient.connect(port: server.port)
        defer { client.close() }
        // The endpoint closes (4000) from inside the read that delivers this message.
        try await client.send(.text("close, please"))
        try await client.waitUntil("the end of the stream") { $0.state.endOfStream }
        #expect(client.serverEvents() == [.closeReceived(code: WebSocketCloseCode(rawValue: 4000), reason: "asked")])
        let child = try await server.child.futureResult.get()
        #expect(try await child.eventLoop.submit { child.isActive }.get(), "still reading for the answer")

        try await client.sendCloseReply()
        try await child.closeFuture.get()
        let closedWith = try await server.closedWith.futureResult.get()
        #expect(closedWith == 4000, "\(String(describing: closedWith))")
    }

    @Test func withoutAHalfCloseTheCorkIsLiftedAndTheServerWaitsForTheAnswer() async throws {
        let server = try await ClosingServer.start(canHalfClose: false)
        defer { server.listener.close(promise: nil) }
        let client = try await HalfCloseClient.connect(port: server.port)
        defer { client.close() }
        try await client.send(.text("close, please"))
        try await client.waitUntil("the close frame") { !$0.state.bytes.isEmpty }
        let child = try await server.child.futureResult.get()
        let corked = try await child.eventLoop.submit {
            try child.syncOptions!.getOption(ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_CORK))))
        }.get()
        #expect(corked == 0, "a cork left set holds back whatever is written next for up to 200 ms")
        #expect(client.serverEvents() == [.closeReceived(code: WebSocketCloseCode(rawValue: 4000), reason: "asked")])
        #expect(!client.state.endOfStream, "no half-close on this transport")

        try await client.sendCloseReply()
        try await client.waitUntil("the end of the stream") { $0.state.endOfStream }
        try await child.closeFuture.get()
    }
}

/// Accepts one connection straight into a server `WebSocketHandler` (no HTTP: the tests write
/// frames directly) whose endpoint closes with 4000 on the first message.
private struct ClosingServer {
    let listener: Channel
    let port: Int
    let child: EventLoopPromise<Channel>
    let closedWith: EventLoopPromise<UInt16?>

    static func start(canHalfClose: Bool) async throws -> ClosingServer {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let child = loop.makePromise(of: Channel.self)
        let closedWith = loop.makePromise(of: UInt16?.self)
        let listener = try await ServerBootstrap(group: loop)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if !canHalfClose { try channel.pipeline.syncOperations.addHandler(RefusesHalfClose()) }
                    try channel.pipeline.syncOperations.addHandler(WebSocketHandler(
                        role: .server,
                        // Long enough that only a half-close can explain an early end of stream.
                        configuration: WebSocketHandlerConfiguration(pingInterval: nil, closeTimeout: .seconds(30)),
                        endpoint: CloseOnFirstMessage(closedWith: closedWith)
                    ))
                    child.succeed(channel)
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ClosingServer(listener: listener, port: listener.localAddress!.port!, child: child, closedWith: closedWith)
    }
}

private final class CloseOnFirstMessage: WebSocketEndpoint {
    let closedWith: EventLoopPromise<UInt16?>
    init(closedWith: EventLoopPromise<UInt16?>) { self.closedWith = closedWith }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        socket.close(code: WebSocketCloseCode(rawValue: 4000), reason: "asked")
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        closedWith.succeed(code?.rawValue)
    }
}

/// A transport below the handler that cannot shut down only its write side.
private final class RefusesHalfClose: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output {
            promise?.fail(ChannelError.operationUnsupported)
        } else {
            context.close(mode: mode, promise: promise)
        }
    }
}
