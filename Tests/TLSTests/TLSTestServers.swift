import NIOCore
import NIOHTTP1
import NIOPosix
import TLS
import WebSocket
import WebSocketNIO

/// Servers with `TLSHandler` first in the pipeline, on loopback, on an ephemeral port.
enum TLSTestServers {
    static let webSocketConfiguration = WebSocketHandlerConfiguration(
        protocolConfiguration: WebSocketConfiguration(maxFrameSize: 64 << 20, maxMessageSize: 64 << 20),
        pingInterval: nil
    )

    /// TLS, then the HTTP/1.1 pipeline with WebSocket upgrade, then an echo endpoint: what the
    /// relay's pipeline looks like with TLS in front of it.
    static func webSocketEcho(provider: TLSContextProvider, limits: TLSHandlerLimits = TLSHandlerLimits()) async throws -> Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(TLSHandler(provider: provider, limits: limits))
                    try WebSocketServerUpgrade.configureHTTPServerPipeline(pipeline)
                    try pipeline.addHandler(EchoUpgradeHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    /// TLS, then a handler echoing raw plaintext bytes: for our own client side.
    static func byteEcho(provider: TLSContextProvider, limits: TLSHandlerLimits = TLSHandlerLimits()) async throws -> Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(provider: provider, limits: limits))
                    try channel.pipeline.syncOperations.addHandler(ByteEchoHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }
}

/// Upgrades every request to a WebSocket echo connection (the echo route of WebSocketNIO is internal).
final class EchoUpgradeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head, WebSocketServerUpgrade.isUpgradeRequest(head) else {
                context.close(promise: nil)
                return
            }
            self.head = nil
            if WebSocketServerUpgrade.upgrade(
                context: context,
                request: head,
                policy: WebSocketServerHandshakePolicy(),
                configuration: TLSTestServers.webSocketConfiguration,
                makeEndpoint: { _ in EchoEndpoint() }
            ) != nil {
                context.close(promise: nil)
            }
        }
    }
}

final class EchoEndpoint: WebSocketEndpoint {
    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        socket.send(message)
    }
}

final class ByteEchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

/// Our TLS client on loopback: `TLSHandler` on the client side (SNI and verification for
/// "localhost"), then `handler`.
enum TLSTestClient {
    static func connect(
        port: Int,
        context: TLSContext,
        limits: TLSHandlerLimits = TLSHandlerLimits(),
        allowRemoteHalfClosure: Bool = false,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        then handler: any ChannelHandler & Sendable
    ) async throws -> Channel {
        try await ClientBootstrap(group: group)
            .channelOption(.allowRemoteHalfClosure, value: allowRemoteHalfClosure)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TLSHandler(context: context, serverHostname: "localhost", limits: limits))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
    }
}
