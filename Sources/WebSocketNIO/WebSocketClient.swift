import NIOCore
import NIOPosix
import WebSocket

/// Connects to a `ws://` URL: TCP, opening handshake, then a `WebSocketHandler` driving the
/// endpoint. Used by the load-test client, the CLI and the tests.
public enum WebSocketClient {
    /// Options for one client connection.
    public struct Options: Sendable {
        /// Subprotocols offered, in order of preference.
        public var subprotocols: [String]
        /// permessage-deflate offer; nil offers no compression.
        public var deflate: PerMessageDeflateOptions?
        /// Extra request headers (for example `Authorization`).
        public var headers: [(name: String, value: String)]
        /// Timers and limits of the resulting connection.
        public var configuration: WebSocketHandlerConfiguration
        /// Source address to bind before connecting (the load generator spreads its connections
        /// over 127.0.0.2-127.0.0.254 to get past one address's ephemeral ports).
        public var localAddress: SocketAddress?
        /// Bound on TCP connect plus handshake.
        public var connectTimeout: TimeAmount

        public init(
            subprotocols: [String] = [],
            deflate: PerMessageDeflateOptions? = nil,
            headers: [(name: String, value: String)] = [],
            configuration: WebSocketHandlerConfiguration = .init(),
            localAddress: SocketAddress? = nil,
            connectTimeout: TimeAmount = .seconds(10)
        ) {
            self.subprotocols = subprotocols
            self.deflate = deflate
            self.headers = headers
            self.configuration = configuration
            self.localAddress = localAddress
            self.connectTimeout = connectTimeout
        }
    }

    /// Opens a connection; the future succeeds with the handler (bound to its event loop) once the
    /// handshake is done and `makeEndpoint`'s endpoint is attached (its `webSocketOpened` has been
    /// called). The endpoint is created on the connection's event loop.
    public static func connect(
        to url: WebSocketURL,
        options: Options = .init(),
        on group: any EventLoopGroup,
        makeEndpoint: @escaping @Sendable (WebSocketClientHandshakeResult) -> any WebSocketEndpoint
    ) -> EventLoopFuture<NIOLoopBound<WebSocketHandler>> {
        let eventLoop = group.next()
        guard !url.isSecure else {
            return eventLoop.makeFailedFuture(WebSocketClientError.unsupportedScheme)
        }
        let handshake = WebSocketClientHandshake(
            host: url.hostHeader,
            target: url.target,
            subprotocols: options.subprotocols,
            permessageDeflate: options.deflate,
            extraHeaders: options.headers
        )
        let promise = eventLoop.makePromise(of: NIOLoopBound<WebSocketHandler>.self)
        let configuration = options.configuration
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(options.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = WebSocketClientHandshakeHandler(
                        handshake: handshake,
                        target: url.target,
                        configuration: configuration,
                        completion: promise,
                        makeEndpoint: makeEndpoint
                    )
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        if let localAddress = options.localAddress {
            bootstrap = bootstrap.bind(to: localAddress)
        }
        bootstrap.connect(host: url.host, port: url.port).whenComplete { result in
            switch result {
            case .success(let channel):
                // Bound the whole handshake, not just the TCP connect.
                let timeout = channel.eventLoop.scheduleTask(in: options.connectTimeout) {
                    promise.fail(WebSocketClientError.connectionClosed)
                    channel.close(promise: nil)
                }
                promise.futureResult.whenComplete { _ in timeout.cancel() }
            case .failure(let error):
                promise.fail(error)
            }
        }
        return promise.futureResult
    }
}
