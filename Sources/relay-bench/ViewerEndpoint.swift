import NIOCore
import WebSocket
import WebSocketNIO

/// One viewer socket: parses each message for the presenter's timestamp and index, records the
/// latency on its loop's histogram and checks that its own stream has no holes or repeats.
/// One object per socket; no task per socket.
final class ViewerEndpoint: WebSocketEndpoint {
    let stats: LoopStats
    let benchProtocol: BenchProtocol
    /// Succeeds when the viewer is watching (relay: hello received; raw: socket open).
    let ready: EventLoopPromise<Void>
    /// Succeeds with the close code when the socket is closed.
    let closed: EventLoopPromise<Int>
    private(set) var socket: WebSocketHandler?
    private var lastIndex = -1
    private var isReady = false
    private var wantsClose = false
    /// Catch-up: once an event with index >= this arrives, record the time since `resumedAt`.
    var catchupTarget: Int?
    var resumedAt: UInt64 = 0

    init(stats: LoopStats, benchProtocol: BenchProtocol) {
        self.stats = stats
        self.benchProtocol = benchProtocol
        self.ready = stats.loop.makePromise()
        self.closed = stats.loop.makePromise()
    }

    var receivedCount: Int { lastIndex + 1 }

    /// The connection attempt failed before the socket opened.
    func connectFailed(_ error: Error) {
        stats.connectFailures += 1
        if !isReady {
            isReady = true
            ready.fail(error)
        }
        closed.succeed(-1)
    }

    /// Bounds the wait for `ready`: a socket that opens but never gets its hello counts as failed.
    func armReadyTimeout(seconds: Int) {
        let box = EndpointBox(endpoint: self)
        stats.loop.scheduleTask(in: .seconds(Int64(seconds))) { box.endpoint.readyTimedOut(seconds: seconds) }
    }

    private func readyTimedOut(seconds: Int) {
        guard !isReady else { return }
        isReady = true
        ready.fail(ViewerNoHello(seconds: seconds))
        socket?.close()
    }

    /// Closes with 1000 now, or as soon as the socket opens.
    func close() {
        wantsClose = true
        socket?.close()
    }

    func webSocketOpened(_ socket: WebSocketHandler) {
        self.socket = socket
        stats.opened += 1
        if wantsClose {
            socket.close()
            return
        }
        if benchProtocol == .raw { markReady() }
    }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        switch EventPayload.parse(message.data) {
        case .event(let sentAt, let index):
            let now = MonotonicClock.now()
            stats.delivered += 1
            stats.latency.record(now > sentAt ? now - sentAt : 0)
            if lastIndex >= 0 {
                if index > lastIndex + 1 {
                    stats.sequenceHoles += index - lastIndex - 1
                } else if index <= lastIndex {
                    stats.outOfOrder += 1
                    return
                }
            }
            lastIndex = index
            if let target = catchupTarget, index >= target {
                catchupTarget = nil
                stats.catchup.record(now - resumedAt)
            }
        case .gap:
            stats.gapMessages += 1
        case .control:
            stats.controlMessages += 1
            if !isReady { markReady() }  // the relay's hello comes first
        }
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        let value = Int(code?.rawValue ?? 1006)
        stats.closed += 1
        stats.closeCodes[value, default: 0] += 1
        stats.lastCloseAt = MonotonicClock.now()
        if !isReady {
            isReady = true
            ready.fail(ViewerClosed(code: value))
        }
        closed.succeed(value)
    }

    /// Pauses or resumes reading from the socket (catch-up scenario).
    func setReading(_ reading: Bool) {
        _ = socket?.channel?.setOption(ChannelOptions.autoRead, value: reading)
        if reading { socket?.channel?.read() }
    }

    private func markReady() {
        guard !isReady else { return }
        isReady = true
        ready.succeed(())
    }
}

struct ViewerClosed: Error, CustomStringConvertible {
    let code: Int
    var description: String { "closed with \(code) before ready" }
}

struct ViewerNoHello: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "no hello within \(seconds) s" }
}
