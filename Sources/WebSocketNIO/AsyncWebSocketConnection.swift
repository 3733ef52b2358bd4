import NIOCore
import WebSocket

/// What an `AsyncWebSocketConnection` delivers, in order.
public enum AsyncWebSocketEvent: Sendable, Equatable {
    case message(WebSocketMessage)
    /// The connection closed with this code (the last event).
    case closed(WebSocketCloseCode?)
}

/// A client connection for async code (tests, the CLI, scripts): events arrive on an
/// `AsyncStream`, sends hop to the connection's event loop. The load generator uses
/// `WebSocketClient.connect` with its own endpoint instead, to avoid a task per socket.
public final class AsyncWebSocketConnection: Sendable {
    /// Messages and finally the close, in arrival order.
    public let events: AsyncStream<AsyncWebSocketEvent>
    /// The subprotocol the server selected.
    public let subprotocol: String?
    private let handler: NIOLoopBound<WebSocketHandler>

    private init(events: AsyncStream<AsyncWebSocketEvent>, handler: NIOLoopBound<WebSocketHandler>) {
        self.events = events
        // Read on the loop that owns the handler: the handshake completed there just now.
        self.subprotocol = handler.eventLoop.inEventLoop ? handler.value.subprotocol : Self.subprotocol(of: handler)
        self.handler = handler
    }

    private static func subprotocol(of handler: NIOLoopBound<WebSocketHandler>) -> String? {
        try? handler.eventLoop.submit { handler.value.subprotocol }.wait()
    }

    /// Connects and completes the handshake.
    public static func connect(
        to url: WebSocketURL,
        options: WebSocketClient.Options = .init(),
        on group: any EventLoopGroup
    ) async throws -> AsyncWebSocketConnection {
        let (stream, continuation) = AsyncStream<AsyncWebSocketEvent>.makeStream()
        let handler = try await WebSocketClient.connect(to: url, options: options, on: group) { _ in
            StreamingEndpoint(continuation: continuation)
        }.get()
        return AsyncWebSocketConnection(events: stream, handler: handler)
    }

    /// The event loop that owns the connection.
    public var eventLoop: EventLoop { handler.eventLoop }

    public func send(_ message: WebSocketMessage, compress: Bool = true, fragmentSize: Int? = nil) {
        let handler = self.handler
        handler.eventLoop.execute {
            handler.value.send(message, compress: compress, fragmentSize: fragmentSize)
        }
    }

    public func send(text: String) {
        send(.text(text))
    }

    /// Starts the closing handshake.
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        let handler = self.handler
        handler.eventLoop.execute {
            handler.value.close(code: code, reason: reason)
        }
    }

    /// Closes TCP at once, without a closing handshake (to simulate a dropped peer).
    public func abort() {
        let handler = self.handler
        handler.eventLoop.execute {
            handler.value.channel?.close(promise: nil)
        }
    }

    /// Stops or resumes reading from the socket (to simulate a viewer that stalls).
    public func setReading(_ reading: Bool) {
        let handler = self.handler
        handler.eventLoop.execute {
            _ = handler.value.channel?.setOption(.autoRead, value: reading)
        }
    }
}

/// Forwards a connection's events into an `AsyncStream`.
private final class StreamingEndpoint: WebSocketEndpoint {
    let continuation: AsyncStream<AsyncWebSocketEvent>.Continuation

    init(continuation: AsyncStream<AsyncWebSocketEvent>.Continuation) {
        self.continuation = continuation
    }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        continuation.yield(.message(message))
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        continuation.yield(.closed(code))
        continuation.finish()
    }
}
