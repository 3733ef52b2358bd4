import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import RPC

/// Why a call to a relay failed, worded for the person running the CLI.
public enum RelayClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case connectionFailed(endpoint: String, reason: String)
    case timedOut(endpoint: String)
    case malformedResponse(String)
    /// A non-200 answer (401, 413, 415, 429, 5xx) with the server's message.
    case httpStatus(code: Int, message: String)
    /// A JSON-RPC error answer.
    case rpc(RPCError)

    public var description: String {
        switch self {
        case let .invalidURL(reason):
            return "invalid URL: \(reason)"
        case let .connectionFailed(endpoint, reason):
            return "cannot reach the relay at \(endpoint): \(reason)"
        case let .timedOut(endpoint):
            return "the relay at \(endpoint) did not answer in time"
        case let .malformedResponse(reason):
            return "unexpected answer from the relay: \(reason)"
        case let .httpStatus(code, message):
            return "the relay answered HTTP \(code): \(message)"
        case let .rpc(error):
            return "\(error.message) (JSON-RPC error \(error.code))"
        }
    }
}

/// Where a relay listens: parsed from `http://host:port[/base]`.
public struct RelayEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// Path prefix (no trailing slash), for a relay mounted below `/` by a reverse proxy.
    public var basePath: String

    public init(url: String) throws(RelayClientError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL("\(url) is not a URL like http://127.0.0.1:8080")
        }
        guard scheme == "http" else {
            throw .invalidURL("\(url): only http:// is supported by this client")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL("\(url) has no host")
        }
        self.host = host
        self.port = components.port ?? 80
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
    }

    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "http://\(shownHost):\(port)\(basePath)"
    }
}

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

/// Calls a relay's JSON-RPC methods over `POST /rpc` with an owner key.
public struct RelayRPCClient: Sendable {
    public let endpoint: RelayEndpoint
    private let ownerKey: String
    private let timeout: TimeAmount

    public init(url: String, ownerKey: String, timeout: TimeAmount = .seconds(10)) throws(RelayClientError) {
        self.endpoint = try RelayEndpoint(url: url)
        self.ownerKey = ownerKey
        self.timeout = timeout
    }

    /// Sends one request (id 1) and returns its `result`.
    public func call(_ method: String, params: JSONValue) async throws(RelayClientError) -> JSONValue {
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params]
        let response = try await RelayHTTPClient.send(
            method: .POST,
            to: endpoint,
            path: "/rpc",
            headers: [("content-type", "application/json"), ("authorization", "Bearer \(ownerKey)")],
            body: request.encoded(),
            timeout: timeout
        )
        let json = try? JSONParser.parse(response.body)
        guard response.status == 200 else {
            var message = json?["error"]?["message"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            if let retryAfter = response.header("retry-after") { message += " (Retry-After: \(retryAfter) s)" }
            throw .httpStatus(code: response.status, message: message)
        }
        guard let json else {
            throw .malformedResponse("the body is not JSON")
        }
        if let error = json["error"] {
            guard case let .number(code)? = error["code"], let codeValue = code.int64Value,
                let message = error["message"]?.stringValue
            else {
                throw .malformedResponse("an error without code and message")
            }
            throw .rpc(RPCError(code: Int(codeValue), message: message))
        }
        guard let result = json["result"] else {
            throw .malformedResponse("neither result nor error")
        }
        return result
    }
}
