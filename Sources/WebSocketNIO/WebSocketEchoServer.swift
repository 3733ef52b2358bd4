import NIOCore
import NIOHTTP1
import NIOPosix
import WebSocket

/// A WebSocket server that echoes every message back unchanged, on every path: the endpoint
/// conformance suites and interop tests run against (`ws-echo` serves it).
public enum WebSocketEchoServer {
    /// Binds and starts serving; the returned channel's `localAddress` has the bound port.
    public static func bind(
        host: String,
        port: Int,
        policy: WebSocketServerHandshakePolicy,
        configuration: WebSocketHandlerConfiguration,
        group: any EventLoopGroup
    ) async throws -> Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try WebSocketServerUpgrade.configureHTTPServerPipeline(channel.pipeline.syncOperations)
                    try channel.pipeline.syncOperations.addHandler(
                        EchoRouteHandler(policy: policy, configuration: configuration)
                    )
                }
            }
            .bind(host: host, port: port)
            .get()
    }
}

/// Upgrades every WebSocket request to an echo connection; anything else gets 426.
final class EchoRouteHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let policy: WebSocketServerHandshakePolicy
    private let configuration: WebSocketHandlerConfiguration
    private var head: HTTPRequestHead?

    init(policy: WebSocketServerHandshakePolicy, configuration: WebSocketHandlerConfiguration) {
        self.policy = policy
        self.configuration = configuration
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            guard WebSocketServerUpgrade.isUpgradeRequest(head) else {
                respond(
                    context: context,
                    status: 426,
                    headers: [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")],
                    body: "this endpoint speaks WebSocket only\n"
                )
                return
            }
            if let refusal = WebSocketServerUpgrade.upgrade(
                context: context,
                request: head,
                policy: policy,
                configuration: configuration,
                makeEndpoint: { _ in EchoEndpoint() }
            ) {
                respond(context: context, status: refusal.status, headers: refusal.headers, body: refusal.body)
            }
        }
    }

    private func respond(
        context: ChannelHandlerContext,
        status: Int,
        headers: [(name: String, value: String)],
        body: String
    ) {
        var fields = HTTPHeaders()
        for field in headers { fields.add(name: field.name, value: field.value) }
        fields.replaceOrAdd(name: "Content-Type", value: "text/plain; charset=utf-8")
        fields.replaceOrAdd(name: "Content-Length", value: "\(body.utf8.count)")
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: fields)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Echoes each message back unchanged.
final class EchoEndpoint: WebSocketEndpoint {
    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        socket.send(message)
    }
}
