import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import RPC

/// A complete HTTP response as the client received it.
public struct RelayHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A one-request-per-connection HTTP/1.1 client on SwiftNIO: all the CLI needs, nothing more.
public enum RelayHTTPClient {
    public static func send(
        method: HTTPMethod,
        to endpoint: RelayEndpoint,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        timeout: TimeAmount = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(RelayClientError) -> RelayHTTPResponse {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: RelayHTTPResponse.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            promise.fail(error)
            throw .connectionFailed(endpoint: endpoint.description, reason: Self.reason(error))
        }
        let timer = eventLoop.scheduleTask(in: timeout) {
            channel.pipeline.fireErrorCaught(ClientTimeout())
        }
        defer { timer.cancel() }

        var requestHeaders = HTTPHeaders()
        requestHeaders.add(name: "host", value: endpoint.port == 80 ? endpoint.host : "\(endpoint.host):\(endpoint.port)")
        requestHeaders.add(name: "content-length", value: String(body.count))
        requestHeaders.add(name: "connection", value: "close")
        for (name, value) in headers {
            requestHeaders.add(name: name, value: value)
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: endpoint.basePath + path, headers: requestHeaders)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if !body.isEmpty {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(channel.allocator.buffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)

        do {
            return try await promise.futureResult.get()
        } catch is ClientTimeout {
            throw .timedOut(endpoint: endpoint.description)
        } catch {
            throw .connectionFailed(endpoint: endpoint.description, reason: Self.reason(error))
        }
    }

    /// "Connection refused" rather than NIO's full error value.
    static func reason(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return reason(first.error)
        }
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        if case .connectTimeout? = error as? ChannelError {
            return "connection timed out"
        }
        return "\(error)"
    }
}

private struct ClientTimeout: Error {}

private struct ConnectionClosedEarly: Error, CustomStringConvertible {
    var description: String { "the connection closed before the response was complete" }
}

/// Collects one response, then closes the connection.
private final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<RelayHTTPResponse>
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var completed = false

    init(promise: EventLoopPromise<RelayHTTPResponse>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(responseHead):
            head = responseHead
        case var .body(chunk):
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let head, !completed else { return }
            completed = true
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            promise.succeed(
                RelayHTTPResponse(status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) }, body: bytes)
            )
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ConnectionClosedEarly())
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        guard !completed else { return }
        completed = true
        promise.fail(error)
    }
}
