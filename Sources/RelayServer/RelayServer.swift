// Module RelayServer: the HTTP side of ShareRelay and the server's lifecycle.
//
// Owns: the SwiftNIO HTTP/1.1 server (bootstrap, pipeline, router), `POST /rpc` with owner-key
// authentication and rate limiting, `/healthz` and `/readyz`, the web pages from `web/`
// (`StaticFiles`, with their security headers), the seam for WebSocket routes,
// owner key resolution (configuration, environment, generated key file), graceful shutdown,
// `GET /metrics` (Metrics/: counters kept on the relay loop, our own Prometheus text writer), and
// a small HTTP client for the CLI.
//
// Must not: implement JSON-RPC methods (RPC does), touch SQLite directly (ShareStore does), block
// an event loop (store calls are awaited off the loop), or log a token or key in full.

import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import RPC
import Relay
import TLS
import ShareStore
import WebSocketNIO

/// The relay's HTTP server: start it with a configuration, stop it with `shutdown()`.
public actor RelayServer {
    private enum State {
        case idle
        case running(Running)
        case stopping
        case stopped
    }

    private struct Running {
        var group: MultiThreadedEventLoopGroup
        /// One per listen address, in configuration order.
        var serverChannels: [any Channel]
        var connections: ConnectionRegistry
        var storage: any ShareStorage
        var ownsStorage: Bool
        var configuration: RelayServerConfiguration
        var hub: RelayHub
    }

    private var state = State.idle
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    /// The addresses the server listens on, once started, in the order of
    /// `configuration.listenAddresses` (with the actual ports where 0 was asked for).
    public private(set) var localAddresses: [SocketAddress] = []
    /// The first of `localAddresses`.
    public var localAddress: SocketAddress? { localAddresses.first }
    /// Where the owner keys came from, once started (the CLI prints it).
    public private(set) var ownerKeyOrigin: OwnerKeyOrigin?
    /// A problem with the owner key file worth telling the operator (e.g. readable by others).
    public private(set) var ownerKeyWarning: String?

    public init() {}

    /// Opens the store, resolves the owner keys, binds every listen address and starts serving.
    /// If any address cannot be bound, the ones already bound are closed and nothing keeps running.
    ///
    /// - Returns: the first bound address (with the actual port when its port is 0); all of them
    ///   are in `localAddresses`.
    public func start(_ configuration: RelayServerConfiguration) async throws(RelayServerError) -> SocketAddress {
        guard case .idle = state else { throw .alreadyStarted }
        if let problem = configuration.problem { throw .invalidConfiguration(problem) }
        let logger = configuration.logger

        let keys = try OwnerKeys.resolve(
            configured: configuration.ownerKeys,
            environment: configuration.environment,
            dataDirectory: configuration.dataDirectory
        )
        ownerKeyOrigin = keys.origin
        ownerKeyWarning = keys.warning
        logger.info("owner keys: \(keys.origin)")
        if let warning = keys.warning { logger.warning("\(warning)") }

        let storage: any ShareStorage
        let ownsStorage: Bool
        if let given = configuration.storage {
            storage = given
            ownsStorage = false
        } else {
            do {
                storage = try await SQLiteShareStore.open(dataDirectory: configuration.dataDirectory, clock: configuration.clock)
            } catch {
                throw .storage(error)
            }
            ownsStorage = true
        }

        let staticFiles = configuration.webDirectory.map { StaticFiles.load(directory: $0) }
        for warning in staticFiles?.warnings ?? [] { logger.warning("\(warning)") }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: configuration.eventLoopThreads)
        // Every connection is served on one loop, which owns all relay state (see RelayHub).
        let relayLoop = group.next()
        let authenticator = OwnerAuthenticator(keys: keys.keys, limit: configuration.authFailureLimit, clock: configuration.clock)
        let hub = RelayHub(
            loop: relayLoop,
            settings: configuration.relaySettings,
            storage: storage,
            historyStore: configuration.historyStore ?? InMemoryEventHistoryStore(),
            authenticator: authenticator,
            logger: logger
        )
        let rpc = RPCHandler(
            storage: storage,
            policy: configuration.sharePolicy,
            onInternalError: { method, error in
                logger.error("RPC internal error", metadata: ["method": "\(method)", "error": "\(error)"])
            }
        )
        hub.rpc = rpc
        let clientAddresses = ClientAddressResolver(trustedProxies: configuration.trustedProxies)
        hub.clientAddresses = clientAddresses
        hub.start()
        let services = HTTPServices(
            rpc: rpc,
            storage: storage,
            authenticator: authenticator,
            observer: configuration.shareEventsObserver ?? hub,
            webSocketRoutes: configuration.webSocketRoutes + hub.routes,
            staticFiles: staticFiles,
            maximumRPCBodyBytes: configuration.maximumRPCBodyBytes,
            readinessTimeout: configuration.readinessTimeout,
            lingerTimeout: configuration.lingerTimeout,
            handshakeTimeout: configuration.relaySettings.handshakeTimeout,
            logger: logger,
            clientAddresses: clientAddresses,
            metricsRoute: configuration.metricsEnabled ? Self.metricsRoute(hub: hub, bearerKey: configuration.metricsBearerKey) : nil,
            metrics: hub.metrics
        )
        let connections = ConnectionRegistry()
        let idleTimeout = configuration.httpIdleTimeout
        let tls = configuration.tls
        // Accepting on the relay loop too: an acceptor on another thread costs two cross-thread
        // wake-ups (eventfd writes and context switches) per connection. TCP_NODELAY needs no
        // option here: ServerBootstrap sets it on the listening socket and accepted sockets
        // inherit it (SocketOptionTests reads it back).
        let bootstrap = ServerBootstrap(group: relayLoop, childGroup: relayLoop)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Idle viewers keep their first read buffer: start it small (see the allocator).
            .childChannelOption(.recvAllocator, value: GrowingRecvByteBufferAllocator())
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    connections.add(channel)
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSHandler(provider: tls))
                    }
                    try Self.configureHTTPPipeline(channel.pipeline.syncOperations, services: services, idleTimeout: idleTimeout)
                }
            }

        var serverChannels: [any Channel] = []
        for address in configuration.listenAddresses {
            do {
                serverChannels.append(try await bootstrap.bind(host: address.host, port: address.port).get())
            } catch {
                for bound in serverChannels { try? await bound.close() }
                try? await group.shutdownGracefully()
                if ownsStorage { await storage.close() }
                throw .bindFailed(address: address.description, reason: RelayHTTPClient.reason(error))
            }
        }
        localAddresses = serverChannels.compactMap(\.localAddress)
        state = .running(
            Running(
                group: group,
                serverChannels: serverChannels,
                connections: connections,
                storage: storage,
                ownsStorage: ownsStorage,
                configuration: configuration,
                hub: hub
            )
        )
        for channel in serverChannels {
            logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        }
        return localAddresses[0]
    }

    /// `/metrics`: `/proc` is read on NIO's blocking-I/O thread pool (listing descriptors is for
    /// neither the event loop nor the cooperative pool), then the relay's counters are rendered
    /// on the relay loop that owns them.
    private static func metricsRoute(hub: RelayHub, bearerKey: String?) -> MetricsRoute {
        MetricsRoute(bearerKey: bearerKey) {
            NIOThreadPool.singleton.runIfActive(eventLoop: hub.loop) { ProcessStatistics.read() }.recover { _ in nil }.map { process in
                hub.metrics.exposition(history: hub.historySize(), process: process)
            }
        }
    }

    /// The HTTP handlers of one connection, named (see `RelayHTTPPipeline`) so a WebSocket upgrade
    /// can remove them. Equivalent to NIO's `configureHTTPServerPipeline` (pipelining assistance,
    /// header validation, protocol error handling), plus an idle timer and our router; the
    /// decoder forwards bytes read past an upgrade request instead of dropping them.
    static func configureHTTPPipeline(
        _ pipeline: ChannelPipeline.SynchronousOperations,
        services: HTTPServices,
        idleTimeout: TimeAmount
    ) throws {
        try WebSocketServerUpgrade.configureHTTPServerPipeline(pipeline)
        try pipeline.addHandler(NIOHTTPResponseHeadersValidator(), name: RelayHTTPPipeline.headerValidator)
        try pipeline.addHandler(IdleStateHandler(readTimeout: idleTimeout), name: RelayHTTPPipeline.idleTimer)
        try pipeline.addHandler(HTTPRequestRouter(services: services), name: RelayHTTPPipeline.router)
    }

    /// Stops gracefully: stops accepting, lets in-flight requests finish (idle keep-alive
    /// connections close at once; every connection receives NIO's `ChannelShouldQuiesceEvent`,
    /// which WebSocket handlers can answer with a 1001 close), closes what is left after the
    /// grace period, closes the store if the server opened it, and stops the event loops.
    /// Returns when all of that is done. Safe to call more than once.
    public func shutdown() async {
        guard case let .running(running) = state else {
            if case .stopping = state { await waitUntilStopped() }
            return
        }
        state = .stopping
        let logger = running.configuration.logger
        logger.info("shutting down")
        for channel in running.serverChannels { try? await channel.close() }
        running.connections.quiesceAll()
        // WebSockets ignore the quiesce event: the hub closes them with 1001 and waits (bounded)
        // for pending history writes.
        await running.hub.shutdown(timeout: running.configuration.shutdownGracePeriod)
        let deadline = NIODeadline.now() + running.configuration.shutdownGracePeriod
        while running.connections.count > 0, NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if running.connections.count > 0 {
            logger.notice("closing \(running.connections.count) connections still open after the grace period")
            await running.connections.closeAll()
        }
        if running.ownsStorage {
            await running.storage.close()
        }
        try? await running.group.shutdownGracefully()
        state = .stopped
        localAddresses = []
        logger.info("stopped")
        let waiters = stopWaiters
        stopWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the server has stopped (after `shutdown()` completes).
    public func waitUntilStopped() async {
        if case .stopped = state { return }
        await withCheckedContinuation { stopWaiters.append($0) }
    }
}
