import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RPC
import ShareStore

/// What every connection's router shares: immutable, built once by `RelayServer.start`.
struct HTTPServices: Sendable {
    var rpc: RPCHandler
    var storage: any ShareStorage
    var authenticator: OwnerAuthenticator
    var observer: (any ShareEventsObserver)?
    var webSocketRoutes: [WebSocketRoute]
    var staticFiles: StaticFiles?
    var maximumRPCBodyBytes: Int
    var readinessTimeout: TimeAmount
    var lingerTimeout: TimeAmount
    /// Time from TCP accept to the end of the first request (a WebSocket upgrade request or any
    /// other): a client that dribbles its first request head is dropped (slowloris).
    var handshakeTimeout: TimeAmount = .seconds(10)
    var logger: Logger
    /// Who the client is behind trusted proxies (per-address limits, logs).
    var clientAddresses = ClientAddressResolver()
    /// `GET /metrics`; nil when metrics are disabled (the path is then unknown: 404).
    var metricsRoute: MetricsRoute? = nil
    /// Counts HTTP connections (open gauge); confined to the relay loop like the router.
    var metrics: RelayMetrics? = nil
}

/// Routes the requests of one HTTP/1.1 connection:
///
/// | route | method | answer |
/// | --- | --- | --- |
/// | `/rpc` | POST | JSON-RPC: 200 (errors included), 204 (notifications only), 401, 413, 415, 429 |
/// | `/healthz` | GET, HEAD | 200 `{"status":"ok"}` |
/// | `/readyz` | GET, HEAD | 200 `{"status":"ready"}`, or 503 when the store does not answer |
/// | `/metrics` | GET, HEAD | Prometheus text 0.0.4; 401 without the metrics key when one is set; 404 when disabled |
/// | WebSocket routes | GET + `Upgrade: websocket` | handed to the route's upgrade function |
/// | `/`, `/s`, `/console`, `/assets/...` | GET, HEAD | `StaticFiles`: the web pages |
/// | anything else | | 404, or 405 with `Allow` |
///
/// It runs behind NIO's `HTTPServerPipelineHandler`, so it sees one request at a time and answers
/// in order. Bodies are never held beyond the RPC limit: a larger declared `Content-Length` is
/// answered 413 at once, and a body that grows past the limit is answered 413 as soon as it does;
/// either way the connection is then closed, after lingering long enough for the client to read
/// the response rather than a reset.
final class HTTPRequestRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the router does with the rest of the current request.
    private enum State {
        /// Between requests.
        case idle
        /// An authorised `/rpc` request whose body is being collected.
        case readingRPCBody(ByteBuffer)
        /// The answer is decided; the body (if any) is read and dropped until the request ends.
        case discardingBody(Answer, discarded: Int)
        /// A WebSocket route matched; the connection is handed over at the request's end.
        case waitingForUpgradeEnd(WebSocketRoute, HTTPRequestHead)
        /// The request was read; the answer is being computed (RPC, readiness check).
        case awaitingAnswer(request: Int)
        /// The last response was sent; the connection is closing. Input is ignored.
        case closing
    }

    private enum Answer {
        case response(HTTPResponse)
        case readiness
        case metrics(MetricsRoute)
    }

    private let services: HTTPServices
    private var logger: Logger
    private var state = State.idle
    private var requestNumber = 0
    private var requestVersion = HTTPVersion.http1_1
    private var requestPath = ""
    private var isHeadRequest = false
    private var keepAlive = true
    /// The client of the current request: the TCP peer, or the address a trusted proxy forwarded.
    private var clientAddress = "unknown"

    init(services: HTTPServices) {
        self.services = services
        self.logger = services.logger
    }

    /// Closes the connection unless its first request completes within `handshakeTimeout`.
    private var firstRequestDeadline: Scheduled<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        services.metrics?.httpConnectionOpened()
        clientAddress = context.channel.remoteAddress?.ipAddress ?? "unknown"
        logger[metadataKey: "client"] = "\(clientAddress)"
        let channel = context.channel
        let logger = self.logger
        firstRequestDeadline = context.eventLoop.scheduleTask(in: services.handshakeTimeout) {
            logger.debug("first request not complete within the handshake timeout; closing")
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed at close, or by a WebSocket hand-over (the connection then counts as its role).
        services.metrics?.httpConnectionClosed()
        firstRequestDeadline?.cancel()
        firstRequestDeadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            requestHead(context: context, head)
        case let .body(buffer):
            requestBody(context: context, buffer)
        case .end:
            firstRequestDeadline?.cancel()
            firstRequestDeadline = nil
            requestEnd(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closing
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch state {
        case .awaitingAnswer, .closing:
            break
        case .idle, .readingRPCBody, .discardingBody, .waitingForUpgradeEnd:
            logger.debug("closing idle HTTP connection")
            state = .closing
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("HTTP connection error", metadata: ["error": "\(error)"])
        state = .closing
        context.close(promise: nil)
    }

    // MARK: Request parts

    private func requestHead(context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        guard case .idle = state else {
            // The pipelining handler delivers one request at a time; anything else is a bug or a
            // connection we are already closing.
            if case .closing = state { return }
            logger.error("request head while busy; closing the connection")
            state = .closing
            context.close(promise: nil)
            return
        }
        requestNumber += 1
        requestVersion = head.version
        isHeadRequest = head.method == .HEAD
        keepAlive = head.isKeepAlive
        requestPath = String(head.uri.prefix { $0 != "?" && $0 != "#" })
        if !services.clientAddresses.trustedProxies.isEmpty {
            clientAddress = services.clientAddresses.clientAddress(peer: context.channel.remoteAddress, headers: head.headers)
            logger[metadataKey: "client"] = "\(clientAddress)"
        }

        if RelayHTTPPipeline.isWebSocketUpgrade(head) {
            if let route = services.webSocketRoutes.first(where: { $0.matches(requestPath) }) {
                state = .waitingForUpgradeEnd(route, head)
                return
            }
            // The HTTP decoder stops parsing after an upgrade request, so the connection cannot
            // carry another request: answer and close.
            keepAlive = false
            answerAfterBody(context: context, .response(.notFound(requestPath)))
            return
        }

        switch requestPath {
        case "/rpc":
            guard head.method == .POST else {
                answerAfterBody(context: context, .response(.methodNotAllowed(head.method, requestPath, allow: "POST")))
                return
            }
            beginRPC(context: context, head)
        case "/healthz":
            guard head.method == .GET || head.method == .HEAD else {
                answerAfterBody(context: context, .response(.methodNotAllowed(head.method, requestPath, allow: "GET, HEAD")))
                return
            }
            answerAfterBody(context: context, .response(.json(.ok, ["status": "ok"])))
        case "/readyz":
            guard head.method == .GET || head.method == .HEAD else {
                answerAfterBody(context: context, .response(.methodNotAllowed(head.method, requestPath, allow: "GET, HEAD")))
                return
            }
            answerAfterBody(context: context, .readiness)
        case "/metrics":
            guard let route = services.metricsRoute else {
                answerAfterBody(context: context, .response(.notFound(requestPath)))  // disabled
                return
            }
            answerMetrics(context: context, head, route: route)
        default:
            let page = services.staticFiles?.response(
                method: head.method,
                path: requestPath,
                ifNoneMatch: head.headers.first(name: "if-none-match")
            )
            answerAfterBody(context: context, .response(page ?? .notFound(requestPath)))
        }
    }

    private func requestBody(context: ChannelHandlerContext, _ buffer: ByteBuffer) {
        switch state {
        case var .readingRPCBody(body):
            guard body.readableBytes + buffer.readableBytes <= services.maximumRPCBodyBytes else {
                answerNowAndClose(context: context, tooLarge())
                return
            }
            state = .idle  // drop the reference so the buffer is not copied on write
            var chunk = buffer
            body.writeBuffer(&chunk)
            state = .readingRPCBody(body)
        case let .discardingBody(answer, discarded):
            let total = discarded + buffer.readableBytes
            guard total <= services.maximumRPCBodyBytes else {
                if case let .response(response) = answer {
                    answerNowAndClose(context: context, response)
                } else {
                    answerNowAndClose(context: context, tooLarge())
                }
                return
            }
            state = .discardingBody(answer, discarded: total)
        case .waitingForUpgradeEnd:
            // A body on an upgrade request is not allowed: refuse rather than guess.
            answerNowAndClose(context: context, .error(.badRequest, code: "bad_request", message: "an upgrade request must not have a body"))
        case .idle, .awaitingAnswer, .closing:
            break
        }
    }

    private func requestEnd(context: ChannelHandlerContext) {
        switch state {
        case var .readingRPCBody(body):
            state = .awaitingAnswer(request: requestNumber)
            runRPC(context: context, body: body.readBytes(length: body.readableBytes) ?? [])
        case let .discardingBody(.response(response), _):
            finish(context: context, response)
        case .discardingBody(.readiness, _):
            state = .awaitingAnswer(request: requestNumber)
            runReadinessCheck(context: context)
        case let .discardingBody(.metrics(route), _):
            state = .awaitingAnswer(request: requestNumber)
            runMetrics(context: context, route: route)
        case let .waitingForUpgradeEnd(route, head):
            handOver(context: context, route: route, head: head)
        case .closing:
            break
        case .idle, .awaitingAnswer:
            logger.error("request end without a request; closing the connection")
            state = .closing
            context.close(promise: nil)
        }
    }

    // MARK: /rpc

    private func beginRPC(context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let declaredLength = head.headers.first(name: "content-length").flatMap { Int($0) }
        let hasBody = (declaredLength ?? 0) > 0 || head.headers.contains(name: "transfer-encoding")
        let expectsContinue = head.headers.first(name: "expect")?.lowercased() == "100-continue"

        if let refusal = authenticationRefusal(head) {
            refuse(context: context, refusal, hasBody: hasBody, expectsContinue: expectsContinue, declaredLength: declaredLength)
            return
        }
        guard Self.isJSON(head.headers.first(name: "content-type")) else {
            let refusal = HTTPResponse.rpcError(.unsupportedMediaType, .invalidRequest("Content-Type must be application/json"))
            refuse(context: context, refusal, hasBody: hasBody, expectsContinue: expectsContinue, declaredLength: declaredLength)
            return
        }
        if let declaredLength, declaredLength > services.maximumRPCBodyBytes {
            answerNowAndClose(context: context, tooLarge())
            return
        }
        if expectsContinue {
            let interim = HTTPResponseHead(version: head.version, status: .continue)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        }
        let capacity = min(declaredLength ?? 1024, services.maximumRPCBodyBytes)
        state = .readingRPCBody(context.channel.allocator.buffer(capacity: capacity))
    }

    /// The response refusing this request's owner key, or nil when the key is accepted.
    private func authenticationRefusal(_ head: HTTPRequestHead) -> HTTPResponse? {
        let decision = services.authenticator.authenticate(
            authorization: head.headers.first(name: "authorization"),
            clientAddress: clientAddress
        )
        switch decision {
        case .allowed:
            return nil
        case .missingKey:
            return .rpcError(
                .unauthorized,
                .unauthorized("missing owner key; send Authorization: Bearer <owner key>"),
                headers: [("www-authenticate", "Bearer realm=\"share-relay\"")]
            )
        case .wrongKey:
            logger.notice("wrong owner key on /rpc")
            return .rpcError(
                .unauthorized,
                .unauthorized("invalid owner key"),
                headers: [("www-authenticate", "Bearer realm=\"share-relay\", error=\"invalid_token\"")]
            )
        case let .rateLimited(retryAfter):
            logger.notice("owner key attempts rate-limited", metadata: ["retry-after": "\(retryAfter)"])
            return .rpcError(
                .tooManyRequests,
                .unauthorized("too many wrong owner keys from this address; retry after \(retryAfter) seconds"),
                headers: [("retry-after", "\(retryAfter)")]
            )
        }
    }

    /// Refuses an `/rpc` request without reading its body into memory. A body that is small
    /// enough is read and dropped, so the connection stays usable; a client waiting for
    /// `100 Continue` or announcing a body over the limit gets the answer at once and the
    /// connection is closed.
    private func refuse(
        context: ChannelHandlerContext,
        _ response: HTTPResponse,
        hasBody: Bool,
        expectsContinue: Bool,
        declaredLength: Int?
    ) {
        if (hasBody && expectsContinue) || (declaredLength ?? 0) > services.maximumRPCBodyBytes {
            answerNowAndClose(context: context, response)
        } else {
            answerAfterBody(context: context, .response(response))
        }
    }

    private func tooLarge() -> HTTPResponse {
        .rpcError(
            .payloadTooLarge,
            .invalidRequest("request body exceeds the limit of \(services.maximumRPCBodyBytes) bytes")
        )
    }

    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
        return mediaType.lowercased() == "application/json"
    }

    private func runRPC(context: ChannelHandlerContext, body: [UInt8]) {
        let rpc = services.rpc
        let rpcContext = RPCContext(observer: services.observer)
        let request = requestNumber
        context.eventLoop.makeFutureWithTask {
            await rpc.handle(body: body, context: rpcContext)
        }.assumeIsolated().whenComplete { result in
            guard case .awaitingAnswer(request) = self.state else { return }
            switch result {
            case let .success(body?):
                self.finish(context: context, HTTPResponse(status: .ok, body: body.bytes))
            case .success(nil):
                self.finish(context: context, HTTPResponse(status: .noContent, body: []))
            case .failure:
                // `handle` does not throw; a failure here means the task machinery failed.
                self.finish(context: context, .rpcError(.internalServerError, .internalError))
            }
        }
    }

    // MARK: /readyz

    private func runReadinessCheck(context: ChannelHandlerContext) {
        let storage = services.storage
        let request = requestNumber
        let timeout = services.readinessTimeout
        let check = context.eventLoop.makeFutureWithTask { () async throws -> Void in
            try await storage.checkHealth()
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.finishReadiness(context: context, request: request, failure: "no answer within \(timeout.nanoseconds / 1_000_000) ms")
        }
        check.assumeIsolated().whenComplete { result in
            timer.cancel()
            switch result {
            case .success:
                self.finishReadiness(context: context, request: request, failure: nil)
            case let .failure(error):
                self.finishReadiness(context: context, request: request, failure: "\(error)")
            }
        }
    }

    private func finishReadiness(context: ChannelHandlerContext, request: Int, failure: String?) {
        guard case .awaitingAnswer(request) = state else { return }
        if let failure {
            logger.warning("not ready: the share store does not answer", metadata: ["reason": "\(failure)"])
            finish(context: context, .json(.serviceUnavailable, ["status": "unavailable", "reason": "the share store does not answer"]))
        } else {
            finish(context: context, .json(.ok, ["status": "ready"]))
        }
    }

    // MARK: /metrics

    private func answerMetrics(context: ChannelHandlerContext, _ head: HTTPRequestHead, route: MetricsRoute) {
        guard head.method == .GET || head.method == .HEAD else {
            answerAfterBody(context: context, .response(.methodNotAllowed(head.method, requestPath, allow: "GET, HEAD")))
            return
        }
        guard route.admits(authorization: head.headers.first(name: "authorization")) else {
            logger.notice("missing or wrong metrics key on /metrics")
            let response = HTTPResponse.error(
                .unauthorized, code: "unauthorized", message: "send Authorization: Bearer <metrics key>",
                headers: [("www-authenticate", "Bearer realm=\"share-relay-metrics\"")]
            )
            answerAfterBody(context: context, .response(response))
            return
        }
        answerAfterBody(context: context, .metrics(route))
    }

    private func runMetrics(context: ChannelHandlerContext, route: MetricsRoute) {
        let request = requestNumber
        route.render().hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            guard case .awaitingAnswer(request) = self.state else { return }
            switch result {
            case let .success(text):
                self.finish(
                    context: context,
                    HTTPResponse(status: .ok, headers: [("content-type", PrometheusText.contentType)], body: Array(text.utf8))
                )
            case .failure:
                self.finish(context: context, .error(.internalServerError, code: "internal_error", message: "metrics unavailable"))
            }
        }
    }

    // MARK: WebSocket hand-over

    private func handOver(context: ChannelHandlerContext, route: WebSocketRoute, head: HTTPRequestHead) {
        state = .closing
        let channel = context.channel
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        route.upgrade(channel, head).whenFailure { error in
            channel.close(promise: nil)
        }
    }

    // MARK: Answering

    private func answerAfterBody(context: ChannelHandlerContext, _ answer: Answer) {
        state = .discardingBody(answer, discarded: 0)
    }

    /// Writes the response; then waits for the next request, or closes when keep-alive is off.
    private func finish(context: ChannelHandlerContext, _ response: HTTPResponse) {
        let close = !keepAlive
        state = close ? .closing : .idle
        let written = write(context: context, response, close: close)
        if close {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Answers before the request was fully read, then closes: output first, so the client can
    /// read the response, while the rest of its request is read and dropped for at most the
    /// linger timeout (closing at once, with unread input, would reset the connection).
    private func answerNowAndClose(context: ChannelHandlerContext, _ response: HTTPResponse) {
        keepAlive = false
        state = .closing
        let linger = services.lingerTimeout
        write(context: context, response, close: true).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: linger) {
                context.close(promise: nil)
            }
        }
    }

    private func write(context: ChannelHandlerContext, _ response: HTTPResponse, close: Bool) -> EventLoopFuture<Void> {
        var headers = HTTPHeaders()
        // 204 carries neither a body nor its framing headers (RFC 9110 §6.4.1, §8.6); a 304 has
        // the validators of the page but no body of its own (§15.4.5).
        let hasOwnType = response.headers.contains { $0.0 == "content-type" }
        if response.status != .noContent && response.status != .notModified {
            if !hasOwnType { headers.add(name: "content-type", value: "application/json") }
            headers.add(name: "content-length", value: String(response.body.count))
        }
        if !response.headers.contains(where: { $0.0 == "cache-control" }) {
            headers.add(name: "cache-control", value: "no-store")
        }
        for (name, value) in response.headers where !(response.status == .notModified && name == "content-type") {
            headers.add(name: name, value: value)
        }
        if close {
            headers.add(name: "connection", value: "close")
        } else if requestVersion == .http1_0 {
            headers.add(name: "connection", value: "keep-alive")
        }
        logger.debug("response", metadata: ["path": "\(requestPath)", "status": "\(response.status.code)"])
        let head = HTTPResponseHead(version: requestVersion, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        // A response to HEAD has the headers of the GET response and no body (RFC 9110 §9.3.2).
        if !response.body.isEmpty && !isHeadRequest {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        return context.writeAndFlush(wrapOutboundOut(.end(nil)))
    }
}
