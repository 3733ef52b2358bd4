import Foundation
import Logging
import NIOCore
import NIOHTTP1
import RPC
import Relay
import ShareStore
import WebSocket
import WebSocketNIO

/// The live relay: presenters, viewers, fan-out, presence, history writes, revocation and expiry.
///
/// Concurrency (a documented simplification of Relay.swift's multi-loop design): every relay
/// connection is accepted onto ONE event loop, `loop` (the server's child channels are all
/// registered there), and every piece of relay state below is owned by that loop. So the fan-out
/// path takes no lock and never hops: a presenter's frame, the append, the encode-once and the
/// writes to every viewer all run in the same loop iteration. The cost: socket I/O for all
/// connections uses one core. Splitting sessions over loops (replica fan-outs) is the next step.
///
/// `@unchecked Sendable`: the hub is reachable from the RPC layer (`ShareEventsObserver`) and
/// route closures; every entry point from outside the loop hops onto `loop` first.
final class RelayHub: ShareEventsObserver, @unchecked Sendable {
    let loop: any EventLoop
    let settings: RelaySettings
    private let storage: any ShareStorage
    private let historyStore: any EventHistoryStore
    private let authenticator: OwnerAuthenticator
    let logger: Logger
    /// Set by the server once the RPC handler exists (it needs the hub as observer).
    var rpc: RPCHandler?
    /// Set by the server before it accepts connections: the client address behind trusted proxies.
    var clientAddresses = ClientAddressResolver()
    /// `GET /metrics`' counters; confined to `loop` like the rest of the hub.
    let metrics: RelayMetrics

    private let encoder: RelayFrameEncoder
    private let validator: JSONValidator
    private var sessions: [String: LiveSession] = [:]
    private var loadingSessions: [String: [EventLoopPromise<LiveSession>]] = [:]
    private var registry: ViewerRegistry<ObjectIdentifier>
    private var viewers: [ObjectIdentifier: ViewerEndpoint] = [:]
    private var presenters: [ObjectIdentifier: PresenterEndpoint] = [:]
    private var expiryTimers: [String: Scheduled<Void>] = [:]
    private var handshakeLimiter: HandshakeRateLimiter<String>
    /// One keepalive timer for all relay sockets (they all live on `loop`).
    private let keepalive: WebSocketKeepaliveScheduler
    /// Active shares recently looked up for viewers: no store round trip per viewer of a burst.
    private var shareLookups: ShareLookupCache<Share>
    private var batcher: HistoryWriteBatcher<SyncWaiter>
    private var flushScheduled = false
    private var stallSweep: RepeatedTask?
    private var revocationPoll: RepeatedTask?
    private var revocationPollRunning = false
    private var isShuttingDown = false

    struct SyncWaiter {
        let presenter: PresenterEndpoint
        let rawID: ByteBuffer
    }

    static let subprotocol = "share-relay.v1"

    init(
        loop: any EventLoop,
        settings: RelaySettings,
        storage: any ShareStorage,
        historyStore: any EventHistoryStore,
        authenticator: OwnerAuthenticator,
        logger: Logger
    ) {
        self.loop = loop
        self.settings = settings
        self.storage = storage
        self.historyStore = historyStore
        self.authenticator = authenticator
        self.logger = logger
        self.metrics = RelayMetrics(loop: loop)
        let deflater = SharedEventDeflater()
        self.encoder = RelayFrameEncoder(
            textFrame: { payload in
                var frame = ByteBuffer()
                WebSocketFrameEncoder.encode(opcode: .text, payload: payload, into: &frame)
                return frame
            },
            compressedTextFrame: { payload in deflater.frame(payload) }
        )
        self.validator = JSONValidator(maxDepth: settings.maxEventDepth)
        self.registry = ViewerRegistry(limits: settings.viewerLimits)
        self.handshakeLimiter = HandshakeRateLimiter(limitPerSecond: settings.handshakesPerAddressPerSecond)
        self.keepalive = WebSocketKeepaliveScheduler(
            eventLoop: loop, tick: .nanoseconds(min(1_000_000_000, max(1_000_000, settings.pingInterval.nanoseconds / 4)))
        )
        self.shareLookups = ShareLookupCache(lifetimeMilliseconds: settings.revocationPollInterval.nanoseconds / 1_000_000)
        self.batcher = HistoryWriteBatcher(maxBatchEvents: settings.historyBatchMaxEvents, maxBatchBytes: settings.historyBatchMaxBytes)
    }

    /// Starts the periodic stall sweep and revocation poll (call once, any thread).
    func start() {
        loop.execute {
            self.stallSweep = self.loop.scheduleRepeatedTask(initialDelay: self.settings.stallSweepInterval, delay: self.settings.stallSweepInterval) { _ in
                self.sweepStalledViewers()
            }
            self.revocationPoll = self.loop.scheduleRepeatedTask(initialDelay: self.settings.revocationPollInterval, delay: self.settings.revocationPollInterval) { _ in
                self.pollRevocations()
            }
        }
    }

    static func now() -> RelayTime {
        RelayTime(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }

    // MARK: Routes

    /// `GET /v1/sessions/{session_id}/publish` and `GET /v1/view`.
    var routes: [WebSocketRoute] {
        [
            WebSocketRoute(matches: { Self.publishSessionId(path: $0) != nil }) { channel, head in
                self.upgradePresenter(channel: channel, head: head)
            },
            WebSocketRoute(path: "/v1/view") { channel, head in
                self.upgradeViewer(channel: channel, head: head)
            },
        ]
    }

    static func publishSessionId(path: String) -> String? {
        let prefix = "/v1/sessions/", suffix = "/publish"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else { return nil }
        let id = String(path.dropFirst(prefix.count).dropLast(suffix.count))
        let decoded = id.removingPercentEncoding ?? id
        return SessionID.isValid(decoded) ? decoded : nil
    }

    private func handlerConfiguration(maxMessageSize: Int) -> WebSocketHandlerConfiguration {
        WebSocketHandlerConfiguration(
            protocolConfiguration: WebSocketConfiguration(maxFrameSize: maxMessageSize, maxMessageSize: maxMessageSize),
            pingInterval: settings.pingInterval,
            pongTimeout: settings.pongTimeout,
            keepaliveScheduler: keepalive
        )
    }

    private static func offeredSubprotocols(_ head: HTTPRequestHead) -> [String] {
        // HTTP's own whitespace (SP, HTAB), without a trip through Foundation's NSString.
        head.headers[canonicalForm: "sec-websocket-protocol"].map { String($0.trimmingOptionalWhitespace()) }
    }

    private static func queryItems(_ uri: String) -> [String: String] {
        guard let components = URLComponents(string: uri) else { return [:] }
        var items: [String: String] = [:]
        for item in components.queryItems ?? [] { items[item.name] = item.value ?? "" }
        return items
    }

    private func upgradePresenter(channel: any Channel, head: HTTPRequestHead) -> EventLoopFuture<Void> {
        let path = String(head.uri.prefix { $0 != "?" })
        guard let sessionId = Self.publishSessionId(path: path) else {
            return refuse(channel: channel, head: head, status: .notFound)
        }
        // The owner key: `Authorization: Bearer`, or the browser form ["share-relay.v1", "<key>"].
        let offered = Self.offeredSubprotocols(head)
        var authorization = head.headers.first(name: "authorization")
        if authorization == nil, offered.count >= 2, offered[0] == Self.subprotocol {
            authorization = "Bearer \(offered[1])"
        }
        let address = clientAddresses.clientAddress(peer: channel.remoteAddress, headers: head.headers)
        switch authenticator.authenticate(authorization: authorization, clientAddress: address) {
        case .allowed: break
        case .missingKey, .wrongKey: return refuse(channel: channel, head: head, status: .unauthorized)
        case .rateLimited: return refuse(channel: channel, head: head, status: .tooManyRequests)
        }
        let policy = WebSocketServerHandshakePolicy(selectSubprotocol: { $0.contains(Self.subprotocol) ? Self.subprotocol : nil })
        return WebSocketServerUpgrade.upgrade(
            channel: channel, request: head, policy: policy,
            configuration: handlerConfiguration(maxMessageSize: settings.maxEventBytes),
            additionalHTTPHandlers: RelayHTTPPipeline.additionalHandlerNames
        ) { _ in PresenterEndpoint(hub: self, sessionId: sessionId, clientAddress: address) }
    }

    private func upgradeViewer(channel: any Channel, head: HTTPRequestHead) -> EventLoopFuture<Void> {
        let offered = Self.offeredSubprotocols(head)
        let query = Self.queryItems(head.uri)
        var token: String?
        if offered.count >= 2, offered[0] == Self.subprotocol {
            token = offered[1]
        } else if let authorization = head.headers.first(name: "authorization"),
            let bearer = OwnerAuthenticator.bearerCredential(authorization)
        {
            token = bearer
        } else {
            token = query["token"]
        }
        let since = query["since"].flatMap { UInt64($0) }
        let address = clientAddresses.clientAddress(peer: channel.remoteAddress, headers: head.headers)
        // A handshake flood from one address is refused before any upgrade work (we run on the
        // relay loop, which owns the limiter).
        guard handshakeLimiter.allow(address, now: Self.now()) else {
            return refuse(channel: channel, head: head, status: .tooManyRequests, retryAfterSeconds: 1)
        }
        // Viewers may negotiate permessage-deflate; the relay always answers
        // server_no_context_takeover so each event is compressed once and shared.
        let policy = WebSocketServerHandshakePolicy(
            selectSubprotocol: { $0.contains(Self.subprotocol) ? Self.subprotocol : nil },
            permessageDeflate: PerMessageDeflateOptions(serverNoContextTakeover: true)
        )
        return WebSocketServerUpgrade.upgrade(
            channel: channel, request: head, policy: policy,
            configuration: handlerConfiguration(maxMessageSize: 64 * 1024),
            additionalHTTPHandlers: RelayHTTPPipeline.additionalHandlerNames,
            flushResponse: false  // flushed with the hello (ViewerEndpoint.webSocketOpened)
        ) { acceptance in
            ViewerEndpoint(
                hub: self, tokenText: token, resumeAfter: since, clientAddress: address,
                acceptsCompressedFrames: acceptance.deflate?.acceptsSharedServerMessages(
                    compressedWith: SharedEventDeflater.settings
                ) ?? false
            )
        }
    }

    private func refuse(
        channel: any Channel, head: HTTPRequestHead, status: HTTPResponseStatus, retryAfterSeconds: Int? = nil
    ) -> EventLoopFuture<Void> {
        metrics.refused(head.uri.hasPrefix("/v1/view") ? .viewer : .presenter, RelayMetrics.RefusalReason(httpStatus: status))
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        if let retryAfterSeconds { headers.add(name: "Retry-After", value: "\(retryAfterSeconds)") }
        headers.add(name: "Connection", value: "close")
        channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: status, headers: headers)), promise: nil)
        return channel.writeAndFlush(HTTPServerResponsePart.end(nil)).always { _ in channel.close(promise: nil) }
    }

    // MARK: Sessions

    /// The live session, loading its retained history from the store the first time.
    private func session(_ sessionId: String) -> EventLoopFuture<LiveSession> {
        if let session = sessions[sessionId] { return loop.makeSucceededFuture(session) }
        let promise = loop.makePromise(of: LiveSession.self)
        if loadingSessions[sessionId] != nil {
            loadingSessions[sessionId]!.append(promise)
            return promise.futureResult
        }
        loadingSessions[sessionId] = [promise]
        let store = historyStore
        let retention = settings.history
        let loaded = storeCall(.historyLoad) {
            (try? await store.loadTail(sessionId: sessionId, retention: retention)) ?? .empty
        }
        loaded.whenSuccess { history in
            let log = SessionLog(restoring: history, retention: retention, encoder: self.encoder)
            let drainTarget = DrainTarget(
                pacer: DrainPacer(
                    interval: self.settings.fanoutBatchInterval, idlePercent: self.settings.fanoutIdlePercent,
                    maximumRest: self.settings.fanoutMaximumRest,
                    minimumViewers: self.settings.fanoutBatchMinimumViewers
                )
            )
            let latencyProbe = FanoutLatencyProbe()
            let fanout = SessionFanout(sessionId: sessionId, log: log, presence: PresenceState(presenter: false, viewers: 0)) {
                [loop = self.loop, metrics = self.metrics] in
                // At the end of this loop iteration (or, for a large session draining often, about
                // one drain's duration later): every event published meanwhile goes out in one write
                // per viewer.
                let run: @Sendable () -> Void = {
                    guard let fanout = drainTarget.fanout else { return }
                    drainTarget.pacer.drainStarted(at: .now())
                    let report = fanout.drain(now: Self.now())
                    drainTarget.pacer.drainEnded(at: .now(), report: report)
                    metrics.drained(report, probe: latencyProbe)
                }
                switch drainTarget.pacer.nextDrain(now: .now(), viewers: drainTarget.fanout?.viewerCount ?? 0) {
                case .endOfIteration: loop.execute(run)
                case let .at(deadline): loop.scheduleTask(deadline: deadline, run)
                }
            }
            drainTarget.fanout = fanout
            let session = LiveSession(
                sessionId: sessionId, fanout: fanout, presence: SessionPresence(minimumInterval: self.settings.presenceInterval),
                latencyProbe: latencyProbe
            )
            self.sessions[sessionId] = session
            for waiter in self.loadingSessions.removeValue(forKey: sessionId) ?? [] { waiter.succeed(session) }
        }
        return promise.futureResult
    }

    private func apply(_ update: SessionPresence.PresenceUpdate, to session: LiveSession) {
        if let presence = update.presence { session.fanout.setPresence(presence) }
        if let count = update.viewerCount {
            for presenter in session.presenters.values { presenter.send(.viewers(count: count)) }
        }
        if let wakeUpAt = update.wakeUpAt, session.presenceTimerAt.map({ wakeUpAt < $0 }) ?? true {
            session.presenceTimer?.cancel()
            session.presenceTimerAt = wakeUpAt
            let delay = max(0, wakeUpAt.millisecondsSinceEpoch - Self.now().millisecondsSinceEpoch)
            session.presenceTimer = loop.scheduleTask(in: .milliseconds(delay)) {
                session.presenceTimer = nil
                session.presenceTimerAt = nil
                self.apply(session.presence.deadlineReached(now: Self.now()), to: session)
            }
        }
    }

    // MARK: Presenters

    func presenterOpened(_ presenter: PresenterEndpoint) {
        presenters[ObjectIdentifier(presenter)] = presenter
        session(presenter.sessionId).whenSuccess { session in
            guard !presenter.isClosed else { return }
            presenter.session = session
            session.presenters[ObjectIdentifier(presenter)] = presenter
            presenter.send(.ready(sessionId: session.sessionId, seq: session.fanout.log.lastSeq))
            self.apply(session.presence.presenterJoined(now: Self.now()), to: session)
            if session.presence.viewers > 0 {
                presenter.send(.viewers(count: session.presence.viewers))
            }
            let held = presenter.pending
            presenter.pending = []
            for message in held where !presenter.isClosed { self.presenterMessage(presenter, message) }
        }
    }

    func presenterMessage(_ presenter: PresenterEndpoint, _ message: WebSocketMessage) {
        guard let session = presenter.session else { return }
        guard message.kind == .text else {
            presenter.send(.binaryFrameRefused)
            return
        }
        let kind: PresenterMessageKind
        do {
            kind = try validator.classify(message.data)
        } catch {
            presenter.send(.parseError(error))
            return
        }
        switch kind {
        case .event:
            let entry = session.fanout.publish(message.data, receivedAt: Self.now())
            metrics.eventReceived(bytes: message.data.readableBytes)
            // Timed only when a drain will write it (some viewer is writable).
            if session.fanout.needsDrain { session.latencyProbe.eventArrived() }
            batcher.enqueue(StoredEvent(sessionId: session.sessionId, entry: entry))
            scheduleHistoryFlush()
        case let .rpcRequest(outline):
            if outline.method(in: message.data) == "relay.sync" {
                let waiter = SyncWaiter(presenter: presenter, rawID: outline.rawID(in: message.data))
                switch batcher.requestSync(sessionId: session.sessionId, lastSeq: session.fanout.log.lastSeq, waiter: waiter) {
                case let .durable(seq): answerSync(waiter, seq: seq)
                case .waiting: scheduleHistoryFlush()
                }
            } else {
                runRPC(presenter, body: message.data)
            }
        }
    }

    private func answerSync(_ waiter: SyncWaiter, seq: UInt64) {
        guard !waiter.presenter.isClosed else { return }
        var buffer = ByteBuffer()
        RelayMessage.writeSyncResult(rawID: waiter.rawID, seq: seq, into: &buffer)
        waiter.presenter.sendText(buffer)
    }

    private func runRPC(_ presenter: PresenterEndpoint, body: ByteBuffer) {
        guard let rpc else { return }
        let context = RPCContext(defaultSessionID: SessionID(presenter.sessionId), observer: self)
        let bytes = Array(body.readableBytesView)
        loop.makeFutureWithTask { await rpc.handle(body: bytes, context: context) }.whenSuccess { response in
            guard let response, !presenter.isClosed else { return }
            presenter.sendText(ByteBuffer(bytes: response.bytes))
        }
    }

    func presenterClosed(_ presenter: PresenterEndpoint) {
        presenters[ObjectIdentifier(presenter)] = nil
        _ = batcher.cancelWaiters { $0.presenter === presenter }
        guard let session = presenter.session,
            session.presenters.removeValue(forKey: ObjectIdentifier(presenter)) != nil
        else { return }
        apply(session.presence.presenterLeft(now: Self.now()), to: session)
        unloadIfIdle(session)
    }

    /// Forgets a session nobody is connected to once its events are durable: memory follows the
    /// live sessions, not every session ever seen. It is reloaded from the store on next use.
    private func unloadIfIdle(_ session: LiveSession) {
        guard session.presenters.isEmpty, session.fanout.viewerCount == 0,
            registry.viewerCount(sessionId: session.sessionId) == 0,
            batcher.durableSeq(sessionId: session.sessionId) == nil,
            sessions[session.sessionId] === session
        else { return }
        session.presenceTimer?.cancel()
        session.presenceTimer = nil
        sessions[session.sessionId] = nil
    }

    // MARK: History writes

    private func scheduleHistoryFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        // At the end of this loop iteration: every event of the iteration goes in one batch.
        loop.execute {
            self.flushScheduled = false
            self.writeNextBatch()
        }
    }

    /// Runs a store call in a Task and records its duration under `operation` when the result is
    /// back on the loop (the metrics belong to the loop).
    private func storeCall<Result: Sendable>(
        _ operation: RelayMetrics.StoreOperation, _ body: @escaping @Sendable () async -> Result
    ) -> EventLoopFuture<Result> {
        loop.makeFutureWithTask { await RelayMetrics.timed(body) }.map { timed in
            self.metrics.storeOperation(operation, nanoseconds: timed.nanoseconds)
            return timed.result
        }
    }

    private func writeNextBatch() {
        guard let batch = batcher.nextBatch() else { return }
        let store = historyStore
        let retention = settings.history
        storeCall(.historyAppend) { () async -> String? in
            do {
                try await store.append(batch.events, retention: retention)
                return nil
            } catch {
                return "\(error)"
            }
        }.whenSuccess { failure in
            if let failure {
                self.logger.error("history write failed; retrying", metadata: ["error": "\(failure)"])
                self.batcher.flushFailed(batch.id)
                self.loop.scheduleTask(in: .milliseconds(100)) { self.writeNextBatch() }
                return
            }
            for completion in self.batcher.flushCompleted(upTo: batch.id) {
                self.answerSync(completion.waiter, seq: completion.seq)
            }
            for sessionId in Set(batch.events.map(\.sessionId)) {
                if let session = self.sessions[sessionId] { self.unloadIfIdle(session) }
            }
            self.writeNextBatch()
        }
    }

    // MARK: Viewers

    func viewerOpened(_ viewer: ViewerEndpoint) {
        guard let text = viewer.tokenText, let token = ShareToken(text) else {
            metrics.refused(.viewer, .unknownShare)
            viewer.close(.unknownShare)
            return
        }
        // Trusted for one revocation poll interval; revocations through the relay drop it at once.
        if let share = shareLookups.value(for: token.rawValue, now: Self.now()) {
            admit(viewer, token: token, lookup: .active(share))
            return
        }
        let storage = self.storage
        storeCall(.shareLookup) { () async -> ShareLookup? in try? await storage.lookupShare(token: token) }.whenSuccess { lookup in
            if case let .active(share) = lookup {
                self.shareLookups.store(share, for: token.rawValue, now: Self.now())
            }
            guard !viewer.isClosed else { return }
            guard let lookup else {
                self.metrics.refused(.viewer, .storeError)
                viewer.socket?.close(code: .internalError)
                return
            }
            self.admit(viewer, token: token, lookup: lookup)
        }
    }

    private static func relayTime(_ timestamp: UTCTimestamp?) -> RelayTime? {
        timestamp.map { RelayTime(millisecondsSinceEpoch: $0.secondsSinceEpoch * 1000) }
    }

    private func admit(_ viewer: ViewerEndpoint, token: ShareToken, lookup: ShareLookup) {
        let status: Relay.ShareStatus
        var sessionId = ""
        switch lookup {
        case let .active(share):
            status = .active(expiresAt: Self.relayTime(share.expiresAt))
            sessionId = share.sessionID.rawValue
        case .revoked: status = .revoked
        case .expired: status = .expired
        case .notFound: status = .unknown
        }
        // The share's copy of its token (the same text): one string per share, not per viewer.
        let shareKey = lookup.share?.token.rawValue ?? token.rawValue
        switch registry.admit(ObjectIdentifier(viewer), shareId: shareKey, sessionId: sessionId, status: status, now: Self.now()) {
        case let .rejected(code):
            metrics.refused(.viewer, RelayMetrics.RefusalReason(admissionCode: code))
            viewer.close(code)
            return
        case let .admitted(armAt):
            if let armAt { armExpiry(shareKey, at: armAt) }
        }
        viewers[ObjectIdentifier(viewer)] = viewer
        if viewer.tokenText == shareKey { viewer.tokenText = shareKey }
        guard case let .active(expiresAt) = status else { return }
        session(sessionId).whenSuccess { session in
            // Closed, revoked or expired while the history was loading: nothing to attach.
            guard !viewer.isClosed, self.viewers[ObjectIdentifier(viewer)] != nil else { return }
            let viewersAfterJoin = session.presence.viewers + 1
            viewer.session = session
            viewer.fanoutToken = session.fanout.addViewer(
                viewer, expiresAt: expiresAt, resumeAfter: viewer.resumeAfter,
                acceptsCompressedFrames: viewer.acceptsCompressedFrames,
                presence: PresenceState(presenter: session.presence.presenters > 0, viewers: viewersAfterJoin),
                now: Self.now()
            )
            self.apply(session.presence.viewersChanged(by: 1, now: Self.now()), to: session)
        }
    }

    func viewerWritabilityChanged(_ viewer: ViewerEndpoint, writable: Bool) {
        guard let session = viewer.session, let token = viewer.fanoutToken else { return }
        session.fanout.setWritable(token, writable, now: Self.now())
    }

    func viewerClosed(_ viewer: ViewerEndpoint) {
        let id = ObjectIdentifier(viewer)
        viewers[id] = nil
        if let removal = registry.remove(id), removal.shareHasNoViewers {
            expiryTimers.removeValue(forKey: removal.shareId)?.cancel()
        }
        if let session = viewer.session, let token = viewer.fanoutToken {
            viewer.session = nil
            viewer.fanoutToken = nil
            session.fanout.removeViewer(token)
            apply(session.presence.viewersChanged(by: -1, now: Self.now()), to: session)
            unloadIfIdle(session)
        }
    }

    /// Closes viewers the registry already removed (revocation, expiry).
    private func close(_ handles: [ObjectIdentifier], code: RelayCloseCode) {
        for handle in handles {
            viewers[handle]?.close(code)
        }
    }

    // MARK: Expiry, revocation, stalls

    private func armExpiry(_ shareKey: String, at expiresAt: RelayTime) {
        expiryTimers.removeValue(forKey: shareKey)?.cancel()
        let delay = max(0, expiresAt.millisecondsSinceEpoch - Self.now().millisecondsSinceEpoch)
        expiryTimers[shareKey] = loop.scheduleTask(in: .milliseconds(delay)) {
            self.expiryTimers[shareKey] = nil
            switch self.registry.expireShare(shareKey, now: Self.now()) {
            case let .closeViewers(handles):
                self.metrics.sharesExpired(viewersClosed: handles.count)
                self.close(handles, code: .shareExpired)
            case let .notYet(at): self.armExpiry(shareKey, at: at)
            case .nothingToDo: break
            }
        }
    }

    /// Revokes on the loop: every viewer of the share gets its 4403 close frame written.
    private func revokeOnLoop(_ shareKey: String) {
        expiryTimers.removeValue(forKey: shareKey)?.cancel()
        shareLookups.remove(shareKey)
        let handles = registry.revoke(shareId: shareKey)
        // Counted once per share whichever path (RPC or poll) gets there first: the second finds
        // no viewers left.
        if !handles.isEmpty { metrics.shareRevoked(viewersClosed: handles.count) }
        close(handles, code: .shareRevoked)
    }

    private func sweepStalledViewers() {
        let now = Self.now()
        for session in sessions.values where session.fanout.viewerCount > 0 {
            for stalled in session.fanout.stalledViewers(now: now, timeout: settings.stallTimeout) {
                (stalled.viewer as? ViewerEndpoint)?.close(.viewerStalled)
            }
        }
    }

    /// Re-checks shares with viewers, so a `revoked_at` written by another program is honoured
    /// within the poll interval (plus one lookup).
    private func pollRevocations() {
        guard !revocationPollRunning else { return }
        let keys = Array(registry.shareIdsWithViewers)
        guard !keys.isEmpty else { return }
        revocationPollRunning = true
        let storage = self.storage
        loop.makeFutureWithTask { () async -> (results: [(String, ShareLookup)], nanoseconds: [Int64]) in
            var results: [(String, ShareLookup)] = []
            var nanoseconds: [Int64] = []
            for key in keys {
                guard let token = ShareToken(key) else { continue }
                let timed = await RelayMetrics.timed { try? await storage.lookupShare(token: token) }
                nanoseconds.append(timed.nanoseconds)
                guard let lookup = timed.result else { continue }
                results.append((key, lookup))
            }
            return (results, nanoseconds)
        }.whenSuccess { polled in
            self.revocationPollRunning = false
            for elapsed in polled.nanoseconds { self.metrics.storeOperation(.revocationPoll, nanoseconds: elapsed) }
            let results = polled.results
            for (key, lookup) in results {
                switch lookup {
                case .revoked, .notFound: self.revokeOnLoop(key)
                case .expired:
                    self.shareLookups.remove(key)
                    let handles = self.registry.expireDue(now: Self.now())
                    self.metrics.sharesExpired(viewersClosed: handles.count)
                    self.close(handles, code: .shareExpired)
                case .active: break
                }
            }
        }
    }

    /// Retained history over the live sessions, for `/metrics` (walks them: scrape time only).
    func historySize() -> RelayMetrics.HistorySize {
        var size = RelayMetrics.HistorySize(sessions: sessions.count)
        for session in sessions.values {
            size.events += session.fanout.log.count
            size.bytes += session.fanout.log.retainedBytes
        }
        return size
    }

    // MARK: ShareEventsObserver

    func viewerCount(forShareToken token: ShareToken) async -> Int {
        (try? await loop.submit { self.registry.viewerCount(shareId: token.rawValue) }.get()) ?? 0
    }

    func shareRevoked(token: ShareToken) async {
        try? await loop.submit { self.revokeOnLoop(token.rawValue) }.get()
    }

    // MARK: Shutdown

    /// Closes every relay socket with 1001 and waits (bounded) for history to be durable.
    func shutdown(timeout: TimeAmount) async {
        let deadline = NIODeadline.now() + timeout
        try? await loop.submit {
            self.isShuttingDown = true
            self.stallSweep?.cancel()
            self.revocationPoll?.cancel()
            for viewer in self.viewers.values { viewer.close(.goingAway) }
            for presenter in self.presenters.values { presenter.close(.goingAway) }
        }.get()
        while NIODeadline.now() < deadline {
            let idle = (try? await loop.submit { self.batcher.isIdle }.get()) ?? true
            if idle { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// The fan-out a scheduled drain runs on (weak, so a drain scheduled for a dropped session is a
/// no-op) and the pacing of its drains. Confined to the relay loop like everything else here.
private final class DrainTarget: @unchecked Sendable {
    weak var fanout: SessionFanout?
    var pacer: DrainPacer

    init(pacer: DrainPacer) {
        self.pacer = pacer
    }
}
