// Test support: a raw TCP client for tests of how servers end WebSocket connections. It allows the
// remote half-closure, so the end of the server's stream is an event (not a close) and the socket
// stays writable for the client's close reply. Frames are made and parsed by our protocol core in
// the client role.

import Foundation
import NIOCore
import NIOPosix
import WebSocket

public final class HalfCloseClient: ChannelInboundHandler, @unchecked Sendable {
    public typealias InboundIn = ByteBuffer

    /// What arrived so far.
    public struct State: Sendable {
        /// Every byte the server sent (an HTTP response head first, if the test sent a request).
        public var bytes: [UInt8] = []
        /// The server's end of stream (FIN) arrived; a reset does not count.
        public var endOfStream = false
    }

    public struct WaitFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private let lock = NSLock()
    private var current = State()
    private var channel: Channel!

    public var state: State { lock.withLock { current } }

    private init() {}

    public static func connect(port: Int, host: String = "127.0.0.1") async throws -> HalfCloseClient {
        let client = HalfCloseClient()
        client.channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
            }
            .connect(host: host, port: port)
            .get()
        return client
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = Array(unwrapInboundIn(data).readableBytesView)
        lock.withLock { current.bytes += chunk }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent { lock.withLock { current.endOfStream = true } }
        context.fireUserInboundEventTriggered(event)
    }

    public func send(bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
    }

    /// Sends a data message as a client frame (masked).
    public func send(_ message: WebSocketMessage) async throws {
        var frames = WebSocketConnection(role: .client)
        try frames.send(message)
        try await channel.writeAndFlush(frames.takeOutput()!)
    }

    /// Sends the close frame a client sends back: an echo of the server's close code, or `code`.
    public func sendCloseReply(code: WebSocketCloseCode? = nil) async throws {
        var frames = WebSocketConnection(role: .client)
        if let code {
            frames.close(code: code)
        } else {
            frames.receive(ByteBuffer(bytes: frameBytes()))
            while frames.nextEvent() != nil {}
        }
        guard let reply = frames.takeOutput() else { throw WaitFailure(description: "no close frame to answer") }
        try await channel.writeAndFlush(reply)
    }

    /// The server's frames so far (after its HTTP response head, if any), as our core parses them.
    public func serverEvents() -> [WebSocketEvent] {
        var frames = WebSocketConnection(role: .client)
        frames.receive(ByteBuffer(bytes: frameBytes()))
        var events: [WebSocketEvent] = []
        while let event = frames.nextEvent() { events.append(event) }
        return events
    }

    /// Polls `condition` every 5 ms until it holds, or throws naming `what` after `timeout`.
    public func waitUntil(_ what: String, timeout: Duration = .milliseconds(2500), _ condition: (HalfCloseClient) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            guard ContinuousClock.now < deadline else { throw WaitFailure(description: "waited \(timeout) for \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    public func close() {
        channel.close(promise: nil)
    }

    /// The bytes after an HTTP response head, or all of them when the server sent none.
    private func frameBytes() -> ArraySlice<UInt8> {
        let bytes = state.bytes
        guard bytes.starts(with: Array("HTTP/".utf8)) else { return bytes[...] }
        guard let headEnd = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound else { return [] }
        return bytes[headEnd...]
    }
}
