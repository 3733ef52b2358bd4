import NIOCore
import WebSocket

/// Why a client connection failed before it became a WebSocket.
public enum WebSocketClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server's response head was larger than the limit or not HTTP.
    case malformedResponse(String)
    /// The server answered, but not with an acceptable upgrade (status and reason).
    case handshakeRejected(status: Int, reason: String)
    /// The connection closed before the handshake finished.
    case connectionClosed
    /// `wss://` needs TLS, which this client does not do (put TLS in front, or use ws://).
    case unsupportedScheme

    public var description: String {
        switch self {
        case .malformedResponse(let why): return "malformed handshake response: \(why)"
        case .handshakeRejected(let status, let reason): return "handshake rejected (\(status)): \(reason)"
        case .connectionClosed: return "connection closed during the handshake"
        case .unsupportedScheme: return "wss:// is not supported by this client"
        }
    }
}

/// Client side of the opening handshake on a fresh TCP connection: writes the upgrade request,
/// reads the response head, validates it with the protocol core and, on success, replaces itself
/// with a `WebSocketHandler`, forwarding any bytes that arrived after the response head.
final class WebSocketClientHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Upper bound on the response head we are willing to buffer.
    static let maxResponseHeadSize = 16 * 1024

    private let handshake: WebSocketClientHandshake
    private let target: String
    private let configuration: WebSocketHandlerConfiguration
    private let makeEndpoint: (WebSocketClientHandshakeResult) -> any WebSocketEndpoint
    private let completion: EventLoopPromise<NIOLoopBound<WebSocketHandler>>
    private var received: ByteBuffer?
    private var finished = false

    init(
        handshake: WebSocketClientHandshake,
        target: String,
        configuration: WebSocketHandlerConfiguration,
        completion: EventLoopPromise<NIOLoopBound<WebSocketHandler>>,
        makeEndpoint: @escaping (WebSocketClientHandshakeResult) -> any WebSocketEndpoint
    ) {
        self.handshake = handshake
        self.target = target
        self.configuration = configuration
        self.completion = completion
        self.makeEndpoint = makeEndpoint
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context: context)
        context.fireChannelActive()
    }

    private var requestSent = false

    private func sendRequest(context: ChannelHandlerContext) {
        guard !requestSent else { return }
        requestSent = true
        var request = "GET \(target) HTTP/1.1\r\n"
        for field in handshake.requestHeaders {
            request += "\(field.name): \(field.value)\r\n"
        }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        guard let buffer = received else { return }
        guard let headEnd = Self.endOfHead(in: buffer) else {
            if buffer.readableBytes > Self.maxResponseHeadSize {
                fail(context: context, .malformedResponse("response head exceeds \(Self.maxResponseHeadSize) bytes"))
            }
            return
        }
        var rest = buffer
        let headText = rest.readString(length: headEnd - buffer.readerIndex) ?? ""
        rest.moveReaderIndex(forwardBy: 4)
        received = nil

        guard let (status, reason, headers) = Self.parseHead(headText) else {
            fail(context: context, .malformedResponse("not an HTTP/1.1 response"))
            return
        }
        switch handshake.validate(status: status, headers: headers) {
        case .failure(let error):
            fail(context: context, .handshakeRejected(status: status, reason: status == 101 ? "\(error)" : reason))
        case .success(let result):
            finished = true
            let handler = WebSocketHandler(
                role: .client,
                configuration: configuration,
                compression: result.makeCompression(),
                subprotocol: result.subprotocol,
                endpoint: makeEndpoint(result)
            )
            do {
                try context.pipeline.syncOperations.addHandler(handler)
            } catch {
                fail(context: context, .connectionClosed)
                return
            }
            completion.succeed(NIOLoopBound(handler, eventLoop: context.eventLoop))
            // Frames that arrived in the same read as the 101 go to the WebSocket handler before
            // this handler leaves: a removed context no longer forwards anything.
            if rest.readableBytes > 0 {
                context.fireChannelRead(NIOAny(rest))
                context.fireChannelReadComplete()
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            finished = true
            completion.fail(WebSocketClientError.connectionClosed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !finished {
            finished = true
            completion.fail(error)
        }
        context.close(promise: nil)
    }

    private func fail(context: ChannelHandlerContext, _ error: WebSocketClientError) {
        guard !finished else { return }
        finished = true
        completion.fail(error)
        context.close(promise: nil)
    }

    /// Index of the `\r\n\r\n` that ends the response head, if it has arrived.
    static func endOfHead(in buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard bytes.count >= 4 else { return nil }
            var i = 0
            while i + 3 < bytes.count {
                if bytes[i] == 13, bytes[i + 1] == 10, bytes[i + 2] == 13, bytes[i + 3] == 10 {
                    return buffer.readerIndex + i
                }
                i += 1
            }
            return nil
        }
    }

    /// Status line and header fields of an HTTP/1.x response head.
    static func parseHead(_ text: String) -> (Int, String, [(name: String, value: String)])? {
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { return nil }
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { return nil }
        let reason = parts.count > 2 ? String(parts[2]) : ""
        var headers: [(name: String, value: String)] = []
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: " \t")
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            headers.append((name: name, value: value))
        }
        return (status, reason, headers)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
