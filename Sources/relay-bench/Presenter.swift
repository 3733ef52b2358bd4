import NIOCore
import NIOPosix
import Synchronization
import WebSocket
import WebSocketNIO

/// The presenter: publishes `rate` events/s of `size` bytes for `duration` seconds on one socket,
/// on a fixed schedule (events due by now are sent each tick, so a slow tick catches up rather than
/// lowering the offered rate). Each event carries its send time.
final class PresenterEndpoint: WebSocketEndpoint, @unchecked Sendable {
    let loop: EventLoop
    let benchProtocol: BenchProtocol
    let ready: EventLoopPromise<Void>
    let finished: EventLoopPromise<Void>
    /// Events sent so far; read from the scenario's thread (churn and catch-up).
    let sentCount = Atomic<Int>(0)
    /// The session's last sequence number when we connected (relay protocol).
    private(set) var baseSeq = 0
    private var socket: WebSocketHandler?
    private var isReady = false
    private var task: RepeatedTask?
    private var failure: String?
    /// Events handed to the socket (loop only).
    private var sent = 0

    init(loop: EventLoop, benchProtocol: BenchProtocol) {
        self.loop = loop
        self.benchProtocol = benchProtocol
        self.ready = loop.makePromise()
        self.finished = loop.makePromise()
    }

    static func connect(options: CommonOptions, session: String, loop: EventLoop) async throws -> PresenterEndpoint {
        let presenter = PresenterEndpoint(loop: loop, benchProtocol: options.protocol)
        var headers: [(name: String, value: String)] = []
        if options.protocol == .relay {
            guard let key = options.resolvedOwnerKey else { throw BenchError.missingOwnerKey }
            headers.append((name: "Authorization", value: "Bearer \(key)"))
        }
        let url = try options.webSocketURL(path: "/v1/sessions/\(session)/publish")
        let clientOptions = WebSocketClient.Options(
            headers: headers,
            configuration: WebSocketHandlerConfiguration(pingInterval: nil),
            connectTimeout: .seconds(Int64(options.connectTimeout))
        )
        do {
            _ = try await WebSocketClient.connect(to: url, options: clientOptions, on: loop) { _ in presenter }.get()
            let timeout = loop.scheduleTask(in: .seconds(Int64(options.connectTimeout))) {
                presenter.markFailed("no ready message within \(options.connectTimeout) s")
            }
            defer { timeout.cancel() }
            try await presenter.ready.futureResult.get()
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError.presenterRefused("\(url): \(error)")
        }
        return presenter
    }

    /// Starts publishing; `finished` succeeds once every event was handed to the socket.
    func publish(rate: Int, size: Int, duration: Double) {
        let total = Int(Double(rate) * duration)
        let tick = TimeAmount.nanoseconds(Int64(max(200_000, min(1_000_000, 1_000_000_000 / max(rate, 1)))))
        loop.execute {
            let start = MonotonicClock.now()
            let allocator = ByteBufferAllocator()
            self.task = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: tick) { task in
                guard let socket = self.socket, socket.isOpen else {
                    task.cancel()
                    self.finished.fail(BenchError.presenterRefused("presenter socket closed after \(self.sent) events"))
                    return
                }
                let elapsed = MonotonicClock.now() - start
                let due = min(total, Int(Double(elapsed) * Double(rate) / 1e9) + 1)
                while self.sent < due {
                    let payload = EventPayload.make(index: self.sent, sentAt: MonotonicClock.now(), size: size, allocator: allocator)
                    socket.send(WebSocketMessage(kind: .text, data: payload), compress: false)
                    self.sent += 1
                }
                self.sentCount.store(self.sent, ordering: .relaxed)
                if self.sent >= total {
                    task.cancel()
                    self.finished.succeed(())
                }
            }
        }
    }

    func close() {
        loop.execute { self.task?.cancel(); self.socket?.close() }
    }

    // MARK: WebSocketEndpoint

    func webSocketOpened(_ socket: WebSocketHandler) {
        self.socket = socket
        if benchProtocol == .raw { markReady() }
    }

    func webSocket(_ socket: WebSocketHandler, received message: WebSocketMessage) {
        guard benchProtocol == .relay, let text = message.text else { return }
        if !isReady, text.contains("\"type\":\"ready\"") {
            baseSeq = Self.intMember("seq", in: text) ?? 0
            markReady()
        } else if text.contains("\"type\":\"error\"") {
            failure = text
        }
    }

    func webSocketClosed(_ socket: WebSocketHandler, code: WebSocketCloseCode?) {
        markFailed("presenter closed with \(code?.rawValue ?? 1006)" + (failure.map { ": \($0)" } ?? ""))
    }

    private func markReady() {
        guard !isReady else { return }
        isReady = true
        ready.succeed(())
    }

    fileprivate func markFailed(_ why: String) {
        guard !isReady else { return }
        isReady = true
        ready.fail(BenchError.presenterRefused(why))
    }

    static func intMember(_ name: String, in json: String) -> Int? {
        guard let start = json.firstRange(of: "\"\(name)\":") else { return nil }
        return Int(json[start.upperBound...].prefix { $0.isNumber })
    }
}
