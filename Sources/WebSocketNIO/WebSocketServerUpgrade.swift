import NIOCore
import NIOHTTP1
import WebSocket

/// Serving plain HTTP routes and WebSocket routes on one port: an HTTP/1.1 pipeline whose route
/// handler hands a WebSocket request over to `WebSocketServerUpgrade.upgrade`, which answers 101
/// and swaps the HTTP handlers for a `WebSocketHandler` on the same connection.
public enum WebSocketServerUpgrade {
    /// Names of the HTTP handlers `configureHTTPServerPipeline` adds; the upgrade removes them.
    /// Servers that add further HTTP handlers (validators, idle timers) name them themselves and
    /// pass the names to `upgrade(channel:...)`.
    public enum HandlerName {
        public static let encoder = "websocket-upgrade.http-encoder"
        public static let decoder = "websocket-upgrade.http-decoder"
        public static let pipelining = "websocket-upgrade.http-pipelining"
        public static let errors = "websocket-upgrade.http-errors"
        /// In removal order: the decoder goes last, so the bytes it forwards on removal reach the
        /// WebSocket handler.
        public static let all = [pipelining, errors, encoder, decoder]
    }

    /// Adds an HTTP/1.1 server pipeline (encoder, decoder, pipelining assistance, protocol error
    /// handling) whose decoder forwards the bytes that follow an upgrade request, so a frame that
    /// arrives in the same read as the handshake is not lost. Add the route handler after it.
    public static func configureHTTPServerPipeline(_ pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(HTTPResponseEncoder(), name: HandlerName.encoder)
        try pipeline.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
            name: HandlerName.decoder
        )
        try pipeline.addHandler(HTTPServerPipelineHandler(), name: HandlerName.pipelining)
        try pipeline.addHandler(HTTPServerProtocolErrorHandler(), name: HandlerName.errors)
    }

    /// True when the request asks for a WebSocket (an `Upgrade` header naming `websocket`).
    public static func isUpgradeRequest(_ head: HTTPRequestHead) -> Bool {
        head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }

    /// Converts a NIOHTTP1 request head into the protocol core's handshake request.
    public static func handshakeRequest(from head: HTTPRequestHead) -> WebSocketHandshakeRequest {
        WebSocketHandshakeRequest(
            method: head.method.rawValue,
            target: head.uri,
            versionMajor: head.version.major,
            versionMinor: head.version.minor,
            headers: head.headers.map { (name: $0.name, value: $0.value) }
        )
    }

    /// Performs the upgrade from inside the route handler that received the request, once the
    /// request's `.end` has arrived (so no HTTP part can reach the WebSocket handler). Must run on
    /// the channel's event loop.
    ///
    /// On refusal nothing is changed and the refusal is returned, for the route handler to send
    /// as an ordinary HTTP response. On acceptance the 101 response is written, the route handler
    /// (`context`'s handler) and the HTTP handlers are removed, and a `WebSocketHandler` built
    /// with the endpoint from `makeEndpoint` takes over the connection; nil is returned.
    public static func upgrade(
        context: ChannelHandlerContext,
        request head: HTTPRequestHead,
        policy: WebSocketServerHandshakePolicy,
        configuration: WebSocketHandlerConfiguration,
        makeEndpoint: (WebSocketServerHandshakeAcceptance) -> any WebSocketEndpoint
    ) -> WebSocketHandshakeRefusal? {
        let acceptance: WebSocketServerHandshakeAcceptance
        switch WebSocketServerHandshake.evaluate(handshakeRequest(from: head), policy: policy) {
        case .failure(let refusal):
            return refusal
        case .success(let accepted):
            acceptance = accepted
        }

        context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(switchingProtocols(acceptance, version: head.version))), promise: nil)
        let handler = makeHandler(acceptance, configuration: configuration, makeEndpoint: makeEndpoint)
        let pipeline = context.pipeline.syncOperations
        do {
            // The response head went through the encoder synchronously, so the HTTP handlers can
            // go now. The decoder goes last: removing it forwards any bytes that followed the
            // request to the WebSocket handler, which must already be in place.
            try pipeline.addHandler(handler)
            pipeline.removeHandler(context: context, promise: nil)
            for name in [HandlerName.pipelining, HandlerName.errors, HandlerName.encoder, HandlerName.decoder] {
                let removal = context.eventLoop.makePromise(of: Void.self)
                pipeline.removeHandler(name: name, promise: removal)
                removal.futureResult.whenFailure { _ in }
            }
        } catch {
            context.close(promise: nil)
        }
        return nil
    }

    /// Performs the upgrade for a router that has already removed itself from the pipeline (the
    /// relay's `WebSocketRoute` seam): same handshake rules as `upgrade(context:...)`, but the
    /// refusal is written here as an HTTP response (and the connection closed), and the extra
    /// HTTP handlers named in `additionalHTTPHandlers` are removed along with the standard ones.
    /// Must run on the channel's event loop. The future succeeds once the WebSocket handler is in
    /// place (or the refusal is written).
    ///
    /// `flushResponse: false` leaves the 101 response written but unflushed, for an endpoint that
    /// sends its first frames at once (from `webSocketOpened` or the next loop task) to send both
    /// in one write; the endpoint must then flush the channel itself, sending or not.
    public static func upgrade(
        channel: any Channel,
        request head: HTTPRequestHead,
        policy: WebSocketServerHandshakePolicy,
        configuration: WebSocketHandlerConfiguration,
        additionalHTTPHandlers: [String] = [],
        flushResponse: Bool = true,
        makeEndpoint: (WebSocketServerHandshakeAcceptance) -> any WebSocketEndpoint
    ) -> EventLoopFuture<Void> {
        let acceptance: WebSocketServerHandshakeAcceptance
        switch WebSocketServerHandshake.evaluate(handshakeRequest(from: head), policy: policy) {
        case .failure(let refusal):
            var headers = HTTPHeaders()
            for field in refusal.headers { headers.add(name: field.name, value: field.value) }
            headers.replaceOrAdd(name: "Content-Length", value: "0")
            headers.replaceOrAdd(name: "Connection", value: "close")
            let response = HTTPResponseHead(
                version: head.version, status: HTTPResponseStatus(statusCode: refusal.status), headers: headers
            )
            channel.write(HTTPServerResponsePart.head(response), promise: nil)
            return channel.writeAndFlush(HTTPServerResponsePart.end(nil)).always { _ in
                channel.close(promise: nil)
            }
        case .success(let accepted):
            acceptance = accepted
        }
        // Written before the WebSocket handler exists: it goes straight to the HTTP encoder.
        channel.write(HTTPServerResponsePart.head(switchingProtocols(acceptance, version: head.version)), promise: nil)
        if flushResponse { channel.flush() }
        let handler = makeHandler(acceptance, configuration: configuration, makeEndpoint: makeEndpoint)
        do {
            try channel.pipeline.syncOperations.addHandler(handler)
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        let removals = (additionalHTTPHandlers + HandlerName.all).map { name in
            channel.pipeline.removeHandler(name: name).recover { _ in }  // absent is fine
        }
        return EventLoopFuture.andAllSucceed(removals, on: channel.eventLoop)
    }

    /// The `101 Switching Protocols` head for an accepted handshake.
    private static func switchingProtocols(_ acceptance: WebSocketServerHandshakeAcceptance, version: HTTPVersion) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        for field in acceptance.responseHeaders {
            headers.add(name: field.name, value: field.value)
        }
        return HTTPResponseHead(version: version, status: .switchingProtocols, headers: headers)
    }

    /// The server-side handler that takes the connection over, with what the handshake negotiated.
    private static func makeHandler(
        _ acceptance: WebSocketServerHandshakeAcceptance,
        configuration: WebSocketHandlerConfiguration,
        makeEndpoint: (WebSocketServerHandshakeAcceptance) -> any WebSocketEndpoint
    ) -> WebSocketHandler {
        WebSocketHandler(
            role: .server,
            configuration: configuration,
            compression: acceptance.makeCompression(),
            subprotocol: acceptance.subprotocol,
            endpoint: makeEndpoint(acceptance)
        )
    }
}
