import NIOCore

/// One timer for the keepalive pings of every WebSocket on an event loop, for servers holding
/// many mostly idle connections.
///
/// Without it each connection keeps its own scheduled callback in the loop's timer heap: about
/// 90 B per connection, and a heap as large as the number of connections, which NIO searches
/// linearly whenever any task on the loop is cancelled (an HTTP idle timer at each upgrade, for
/// instance). With it, idle connections are one array slot each, and every `tick` the scheduler
/// asks the connections whose ping is due to send it. A ping then goes out between
/// `pingInterval` and `pingInterval + tick` after the previous one; pong and close deadlines are
/// unaffected (they stay per connection: they are short and rare).
///
/// Set it in `WebSocketHandlerConfiguration.keepaliveScheduler`; handlers on another loop than
/// `eventLoop` keep their own timer. `@unchecked Sendable`: its state is only touched on
/// `eventLoop` (handlers register from their channel's loop, which must be this one).
public final class WebSocketKeepaliveScheduler: @unchecked Sendable {
    public let eventLoop: any EventLoop
    /// How often due pings are looked for. Default 1 s.
    public let tick: TimeAmount
    private var handlers: [WebSocketHandler] = []
    private var task: RepeatedTask?

    public init(eventLoop: any EventLoop, tick: TimeAmount = .seconds(1)) {
        precondition(tick.nanoseconds > 0, "tick must be positive")
        self.eventLoop = eventLoop
        self.tick = tick
    }

    /// Connections registered now.
    public var count: Int {
        eventLoop.preconditionInEventLoop()
        return handlers.count
    }

    /// Registers `handler` (not yet registered); returns its slot.
    func add(_ handler: WebSocketHandler) -> Int {
        eventLoop.preconditionInEventLoop()
        handlers.append(handler)
        if task == nil {
            task = eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [weak self] _ in
                self?.runTick()
            }
        }
        return handlers.count - 1
    }

    /// Unregisters the handler in `slot` (swap with the last, whose slot changes).
    func remove(slot: Int) {
        eventLoop.preconditionInEventLoop()
        let last = handlers.removeLast()
        if slot < handlers.count {
            handlers[slot] = last
            last.keepaliveSlot = slot
        }
        if handlers.isEmpty {
            task?.cancel()
            task = nil
        }
    }

    private func runTick() {
        let now = NIODeadline.now()
        // A ping may close its connection (a write error), which unregisters it: visit a snapshot.
        for handler in handlers {
            handler.keepaliveTick(now: now)
        }
    }
}
