import NIOCore
import WebSocket

/// Pumps bytes between a channel and a `WebSocketConnection`, and performs what the sans-I/O core
/// cannot: timers (keepalive, closing handshake), flushing, closing TCP and backpressure.
///
/// Writes are coalesced: everything produced while handling one read batch (echoes, pongs, close
/// replies) is written without flushing and flushed once in `channelReadComplete`. Writes from
/// outside a read (fan-out) can use `write` + `flush` to batch several frames into one syscall.
///
/// Backpressure: while the channel is not writable the handler holds back `read()`, so a peer that
/// does not read what we send cannot make us buffer without bound what it sends us.
///
/// Owned by its channel's event loop: every method must be called on that loop.
public final class WebSocketHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var connection: WebSocketConnection
    private let configuration: WebSocketHandlerConfiguration
    private let endpoint: any WebSocketEndpoint
    private var context: ChannelHandlerContext?

    private var isHandlingRead = false
    private var needsFlush = false
    private var heldRead = false
    private var closeReported = false
    private var transport = TransportState.open

    /// What has been done to the transport (the channel) so far.
    private enum TransportState {
        case open
        /// Our close frame is written and the write side is shut down (a server's half-close).
        case outputShutDown
        /// Closing (or closed): nothing more is read or written.
        case closing
    }

    // Timers are deadlines checked by one callback target (`WebSocketHandlerTimer`), never
    // cancelled: NIO cancels a scheduled task by a linear search of the loop's timer heap, so
    // cancelling per connection (every pong, every close) costs O(connections) each, and a
    // `RepeatedTask` costs ~500 B of futures and closures per idle connection. A callback that
    // fires after its deadline was cleared or moved finds nothing due and does nothing.
    private var timer: WebSocketHandlerTimer?
    private var nextPingAt: NIODeadline?
    private var pongDeadlineAt: NIODeadline?
    private var closeDeadlineAt: NIODeadline?
    /// The slot in `configuration.keepaliveScheduler` while registered there, else -1.
    var keepaliveSlot = -1

    /// The subprotocol the handshake selected, if any.
    public let subprotocol: String?

    public init(
        role: WebSocketRole,
        configuration: WebSocketHandlerConfiguration = .init(),
        compression: WebSocketNegotiatedCompression? = nil,
        subprotocol: String? = nil,
        endpoint: any WebSocketEndpoint
    ) {
        self.connection = WebSocketConnection(
            role: role,
            configuration: configuration.protocolConfiguration,
            compression: compression
        )
        self.configuration = configuration
        self.endpoint = endpoint
        self.subprotocol = subprotocol
    }

    // MARK: API for the endpoint (event loop only)

    /// The channel this socket lives on (nil before the handler is added or after it is removed).
    public var channel: Channel? { context?.channel }

    /// The event loop that owns this socket.
    public var eventLoop: EventLoop? { context?.eventLoop }

    /// True while data messages may be sent (the connection is open).
    public var isOpen: Bool { connection.state == .open && transport != .closing }

    /// True while the channel accepts more writes without growing its outbound buffer past the
    /// high-water mark.
    public var isWritable: Bool { context?.channel.isWritable ?? false }

    /// The close code the connection ended with (see `WebSocketConnection.closeCode`).
    public var closeCode: WebSocketCloseCode? { connection.closeCode }

    /// Sends a message. Inside a read batch the flush is deferred to the end of the batch;
    /// otherwise it is flushed at once.
    public func send(_ message: WebSocketMessage, compress: Bool = true, fragmentSize: Int? = nil) {
        guard isOpen else { return }
        do {
            try connection.send(message, compress: compress, fragmentSize: fragmentSize)
        } catch {
            // A send only fails when the connection is not open or compression broke; the
            // connection has then queued its own close (if any) and may want the transport closed.
        }
        writePendingOutput(flush: !isHandlingRead)
    }

    /// Writes bytes that already are one or more complete, unmasked server frames (the relay's
    /// pre-encoded events, shared by every viewer) without flushing. Call `flush()` afterwards.
    /// Returns false when the socket no longer takes data frames.
    @discardableResult
    public func write(preEncodedFrames frames: ByteBuffer) -> Bool {
        guard isOpen, let context else { return false }
        writePendingOutput(flush: false)
        context.write(wrapOutboundOut(frames), promise: nil)
        needsFlush = true
        return true
    }

    /// Flushes what `write(preEncodedFrames:)` queued.
    public func flush() {
        guard needsFlush, let context, !isHandlingRead else { return }
        needsFlush = false
        context.flush()
    }

    /// Starts the closing handshake with `code`; TCP is closed when the peer answers or after the
    /// close timeout. A server also shuts down its write side as soon as the close frame is
    /// written (see `writeThenShutdownOutput`).
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        guard let context, connection.state == .open else { return }
        connection.close(code: code, reason: reason)
        if connection.shouldShutdownTransportOutput {
            writeThenShutdownOutput(context: context)
        } else {
            writePendingOutput(flush: !isHandlingRead)
        }
        if connection.shouldCloseTransport {
            closeTransport(context: context)
        } else {
            armCloseDeadline(context: context)
        }
    }

    // MARK: ChannelHandler

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        startKeepalive(context: context)
        endpoint.webSocketOpened(self)
        if context.channel.isActive == false {
            // Either the channel already closed (an upgrade that raced a disconnect: its
            // channelInactive has passed) or it is not active yet (added in a channel initializer).
            // Its close future tells both apart: complete now in the first case, later in the
            // second (where channelInactive usually reports first).
            context.channel.closeFuture.assumeIsolated().whenComplete { _ in self.reportClosed() }
        }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        timer?.handler = nil
        self.context = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard transport != .closing else { return }
        isHandlingRead = true
        connection.receive(bytes)
        while let event = connection.nextEvent() {
            handle(event, context: context)
        }
        isHandlingRead = false
        writePendingOutput(flush: false)
        if connection.shouldCloseTransport {
            closeTransport(context: context)
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        connection.transportClosed()
        cancelTimers()
        timer?.handler = nil
        reportClosed()
        context.fireChannelInactive()
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, heldRead {
            heldRead = false
            context.read()
        }
        endpoint.webSocketWritabilityChanged(self)
        context.fireChannelWritabilityChanged()
    }

    public func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            heldRead = true
        }
    }

    public func errorCaught(context: ChannelHandlerContext, error: Error) {
        // I/O errors (reset by peer and the like) end the connection; the close is reported
        // from channelInactive.
        context.close(promise: nil)
    }

    // MARK: Internals

    private func handle(_ event: WebSocketEvent, context: ChannelHandlerContext) {
        switch event {
        case .message(let message):
            endpoint.webSocket(self, received: message)
        case .ping:
            break  // the core queued the pong
        case .pong:
            if !connection.isAwaitingPong {
                pongDeadlineAt = nil
            }
        case .closeReceived:
            // Our reply is queued. A server closes TCP once it is written (shouldCloseTransport);
            // a client waits for the server to close it, within the close timeout.
            if !connection.shouldCloseTransport {
                armCloseDeadline(context: context)
            }
        }
    }

    private func writePendingOutput(flush: Bool) {
        guard let context, let output = connection.takeOutput() else {
            if flush, needsFlush, let context {
                needsFlush = false
                context.flush()
            }
            return
        }
        context.write(wrapOutboundOut(output), promise: nil)
        if flush {
            needsFlush = false
            context.flush()
        } else {
            needsFlush = true
        }
    }

    /// Writes what is queued (our close frame last) and, once it is written, shuts down the write
    /// side of the transport: the peer reads the end of the stream right after the close frame,
    /// while we keep reading for its reply (RFC 6455 section 7.1.1: the server closes TCP first).
    ///
    /// The socket is corked first, so the close frame and the FIN leave in one segment: one
    /// packet and one wake-up of the peer instead of two, which is most of the cost of closing
    /// many viewers at once (a revoked share). If the shutdown fails (a handler below that cannot
    /// half-close), the cork is lifted so the close frame is not held back.
    private func writeThenShutdownOutput(context: ChannelHandlerContext) {
        guard let output = connection.takeOutput() else { return }
        let channel = context.channel
        let corked = TransportCork.set(true, on: channel)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(output), promise: written)
        if isHandlingRead {
            needsFlush = true  // flushed at the end of the read batch
        } else {
            needsFlush = false
            context.flush()
        }
        written.futureResult.assumeIsolated().whenComplete { result in
            guard case .success = result, self.transport == .open, let context = self.context else {
                // Closing anyway (that sends what the cork holds), or removed from a channel that
                // stays open: then nothing may stay held back.
                if corked, self.context == nil, channel.isActive { _ = TransportCork.set(false, on: channel) }
                return
            }
            let shutDown = context.eventLoop.makePromise(of: Void.self)
            context.close(mode: .output, promise: shutDown)
            shutDown.futureResult.assumeIsolated().whenComplete { result in
                switch result {
                case .success: if self.transport == .open { self.transport = .outputShutDown }
                case .failure: if corked { _ = TransportCork.set(false, on: channel) }
                }
            }
        }
    }

    /// Flushes what is queued (the close frame among it) and closes TCP once it is written.
    private func closeTransport(context: ChannelHandlerContext) {
        let before = transport
        guard before != .closing else { return }
        transport = .closing
        cancelTimers()
        needsFlush = false
        if before == .outputShutDown {
            // Everything we had to say went out before the write side was shut down.
            context.close(promise: nil)
            return
        }
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let flushed = context.eventLoop.makePromise(of: Void.self)
        if let output = connection.takeOutput() {
            context.write(wrapOutboundOut(output), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: flushed)
        flushed.futureResult.whenComplete { _ in
            loopBoundContext.value.close(promise: nil)
        }
    }

    private func armCloseDeadline(context: ChannelHandlerContext) {
        guard closeDeadlineAt == nil else { return }
        let deadline = NIODeadline.now() + configuration.closeTimeout
        closeDeadlineAt = deadline
        wake(at: deadline, context: context)
    }

    private func startKeepalive(context: ChannelHandlerContext) {
        guard let interval = configuration.pingInterval, nextPingAt == nil else { return }
        let deadline = NIODeadline.now() + interval
        nextPingAt = deadline
        if let scheduler = configuration.keepaliveScheduler, scheduler.eventLoop.inEventLoop {
            keepaliveSlot = scheduler.add(self)
        } else {
            wake(at: deadline, context: context)
        }
    }

    /// The shared keepalive scheduler's tick: pings when due.
    func keepaliveTick(now: NIODeadline) {
        guard let at = nextPingAt, at <= now, let interval = configuration.pingInterval else { return }
        nextPingAt = now + interval
        sendKeepalivePing()
    }

    /// Schedules a check of the deadlines at `deadline` (one heap entry, no allocation).
    private func wake(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let target: WebSocketHandlerTimer
        if let timer {
            target = timer
        } else {
            target = WebSocketHandlerTimer(handler: self)
            timer = target
        }
        _ = try? context.eventLoop.scheduleCallback(at: deadline, handler: target)
    }

    /// A scheduled callback fired: acts on whichever deadlines are due.
    fileprivate func deadlinesReached() {
        guard let context else { return }
        let now = NIODeadline.now()
        if let at = closeDeadlineAt, at <= now {
            closeDeadlineAt = nil
            context.close(promise: nil)
            return
        }
        if let at = pongDeadlineAt, at <= now {
            pongDeadlinePassed()
        }
        if keepaliveSlot < 0, let at = nextPingAt, at <= now, let interval = configuration.pingInterval {
            let next = now + interval
            nextPingAt = next
            wake(at: next, context: context)
            sendKeepalivePing()
        }
    }

    private func sendKeepalivePing() {
        guard let context, connection.state == .open, transport != .closing else { return }
        // One outstanding keepalive ping at a time: its own deadline decides.
        guard pongDeadlineAt == nil else { return }
        connection.sendKeepalivePing()
        writePendingOutput(flush: !isHandlingRead)
        let deadline = NIODeadline.now() + configuration.pongTimeout
        pongDeadlineAt = deadline
        wake(at: deadline, context: context)
    }

    private func pongDeadlinePassed() {
        pongDeadlineAt = nil
        guard let context else { return }
        connection.keepalivePongDeadlinePassed()
        writePendingOutput(flush: true)
        if connection.shouldCloseTransport {
            closeTransport(context: context)
        } else if connection.state == .closing {
            armCloseDeadline(context: context)
        }
    }

    /// Clears every deadline; callbacks still scheduled then find nothing due.
    private func cancelTimers() {
        if keepaliveSlot >= 0, let scheduler = configuration.keepaliveScheduler {
            scheduler.remove(slot: keepaliveSlot)
            keepaliveSlot = -1
        }
        nextPingAt = nil
        pongDeadlineAt = nil
        closeDeadlineAt = nil
    }

    private func reportClosed() {
        guard !closeReported else { return }
        closeReported = true
        endpoint.webSocketClosed(self, code: connection.closeCode)
    }
}

/// The target of a `WebSocketHandler`'s scheduled callbacks. The handler drops the link when it
/// leaves the pipeline or the channel closes, so callbacks still pending then hold this small
/// object, not the connection. `@unchecked Sendable`: scheduled from, and run on, the handler's
/// event loop only.
final class WebSocketHandlerTimer: NIOScheduledCallbackHandler, @unchecked Sendable {
    fileprivate var handler: WebSocketHandler?

    fileprivate init(handler: WebSocketHandler) {
        self.handler = handler
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        handler?.deadlinesReached()
    }
}
