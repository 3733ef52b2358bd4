import NIOCore
import NIOPosix
import WebSocket
import WebSocketNIO

/// Opens and tracks many viewers, spread round-robin over the event loops, with a bounded number
/// of handshakes in flight. The endpoints live on their loops; the fleet holds them only to reach
/// them through `loop.execute`.
final class ViewerFleet: @unchecked Sendable {
    let group: MultiThreadedEventLoopGroup
    let stats: [LoopStats]
    let options: CommonOptions
    let benchProtocol: BenchProtocol
    private(set) var viewers: [ViewerEndpoint] = []
    private var nextIndex = 0

    init(options: CommonOptions) {
        self.options = options
        self.benchProtocol = options.protocol
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        self.stats = group.makeIterator().map { LoopStats(loop: $0) }
    }

    /// The viewer URL path; `since` asks the relay to skip history up to that sequence number.
    func viewerPath(since: Int? = nil) -> String {
        guard benchProtocol == .relay, let since else { return "/v1/view" }
        return "/v1/view?since=\(since)"
    }

    /// Starts one viewer and returns its endpoint's `ready` future. Must be called from one
    /// thread at a time (the scenario's).
    func startViewer(token: String?, since: Int? = nil) throws -> ViewerEndpoint {
        let index = nextIndex
        nextIndex += 1
        let loopStats = stats[index % stats.count]
        let endpoint = ViewerEndpoint(stats: loopStats, benchProtocol: benchProtocol)
        viewers.append(endpoint)
        var clientOptions = WebSocketClient.Options(
            subprotocols: token.map { ["share-relay.v1", $0] } ?? [],
            configuration: WebSocketHandlerConfiguration(pingInterval: nil),
            localAddress: options.sourceAddress(index: index),
            connectTimeout: .seconds(Int64(options.connectTimeout))
        )
        if benchProtocol == .raw { clientOptions.subprotocols = [] }
        if options.deflate { clientOptions.deflate = PerMessageDeflateOptions() }
        let url = try options.webSocketURL(path: viewerPath(since: since))
        let box = EndpointBox(endpoint: endpoint)
        box.connect(url: url, options: clientOptions, loop: loopStats.loop)
        let seconds = options.connectTimeout + 1
        loopStats.loop.execute { box.endpoint.armReadyTimeout(seconds: seconds) }
        return endpoint
    }

    /// Opens `count` viewers with at most `--connect-concurrency` handshakes in flight; returns how
    /// many became ready and the first error.
    func open(count: Int, token: String?) async -> (ready: Int, firstError: String?) {
        var inFlight: [EventLoopFuture<Void>] = []
        var ready = 0
        var firstError: String?
        func settle(_ future: EventLoopFuture<Void>) async {
            do {
                try await future.get()
                ready += 1
            } catch {
                if firstError == nil { firstError = "\(error)" }
            }
        }
        for _ in 0..<count {
            do {
                inFlight.append(try startViewer(token: token).ready.futureResult)
            } catch {
                if firstError == nil { firstError = "\(error)" }
            }
            if inFlight.count >= options.connectConcurrency {
                await settle(inFlight.removeFirst())
            }
        }
        for future in inFlight { await settle(future) }
        return (ready, firstError)
    }

    /// Closes every open viewer with 1000 and waits (bounded) until all are closed.
    func closeAll(timeout: Double = 10) async {
        for viewer in viewers {
            let box = EndpointBox(endpoint: viewer)
            viewer.stats.loop.execute { box.endpoint.close() }
        }
        _ = await Poll.until(timeout: timeout) {
            guard let now = try? await self.snapshot() else { return true }
            return now.closed >= now.opened
        }
    }

    func snapshot() async throws -> LoopSnapshot {
        try await LoopSnapshot.collect(stats)
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}

/// Carries a loop-bound endpoint across the scenario's thread; it is only touched on its loop.
struct EndpointBox: @unchecked Sendable {
    let endpoint: ViewerEndpoint

    func connect(url: WebSocketURL, options: WebSocketClient.Options, loop: EventLoop) {
        let box = self
        WebSocketClient.connect(to: url, options: options, on: loop) { _ in box.endpoint }
            .whenFailure { error in box.endpoint.connectFailed(error) }
    }
}
