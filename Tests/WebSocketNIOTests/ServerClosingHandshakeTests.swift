import Foundation
import NIOCore
import NIOPosix
import Testing
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
        defer { client.channel.close(promise: nil) }
        // The endpoint closes (4000) from inside the read that delivers this message.
        try await client.send(.text("close, please"))
        try await client.waitUntil("the end of the stream") { $0.endOfStream }
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
        defer { client.channel.close(promise: nil) }
        try await client.send(.text("close, please"))
        try await client.waitUntil("the close frame") { !$0.bytes.isEmpty }
        let child = try await server.child.futureResult.get()
        let corked = try await child.eventLoop.submit {
            try child.syncOptions!.getOption(ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_CORK))))
        }.get()
        #expect(corked == 0, "a cork left set holds back whatever is written next for up to 200 ms")
        #expect(client.serverEvents() == [.closeReceived(code: WebSocketCloseCode(rawValue: 4000), reason: "asked")])
        #expect(!client.state.endOfStream, "no half-close on this transport")

        try await client.sendCloseReply()
        try await client.waitUntil("the end of the stream") { $0.endOfStream }
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

/// A raw client: writes frames made by our protocol core in the client role, records the bytes
/// and the end of the server's stream (allowRemoteHalfClosure: the socket stays writable).
private final class HalfCloseClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    struct State {
        var bytes: [UInt8] = []
        var endOfStream = false
    }

    private let lock = NSLock()
    private var current = State()
    private(set) var channel: Channel!

    var state: State { lock.withLock { current } }

    static func connect(port: Int) async throws -> HalfCloseClient {
        let client = HalfCloseClient()
        client.channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = Array(unwrapInboundIn(data).readableBytesView)
        lock.withLock { current.bytes += chunk }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent { lock.withLock { current.endOfStream = true } }
        context.fireUserInboundEventTriggered(event)
    }

    func send(_ message: WebSocketMessage) async throws {
        var frames = WebSocketConnection(role: .client)
        try frames.send(message)
        try await channel.writeAndFlush(frames.takeOutput()!)
    }

    func sendCloseReply() async throws {
        var frames = WebSocketConnection(role: .client)
        frames.receive(ByteBuffer(bytes: state.bytes))
        while frames.nextEvent() != nil {}
        try await channel.writeAndFlush(try #require(frames.takeOutput(), "no close frame to answer"))
    }

    /// The server's frames, parsed by the core in the client role.
    func serverEvents() -> [WebSocketEvent] {
        var frames = WebSocketConnection(role: .client)
        frames.receive(ByteBuffer(bytes: state.bytes))
        var events: [WebSocketEvent] = []
        while let event = frames.nextEvent() { events.append(event) }
        return events
    }

    func waitUntil(_ what: String, _ condition: (State) -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(2500)
        while !condition(state) {
            guard ContinuousClock.now < deadline else { throw WaitFailure(description: "no \(what) within 2.5 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

private struct WaitFailure: Error, CustomStringConvertible {
    let description: String
}
