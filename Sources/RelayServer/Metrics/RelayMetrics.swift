import NIOCore
import NIOHTTP1
import Relay
import WebSocket

/// The relay's counters, gauges and histograms behind `GET /metrics`.
///
/// Confined to the relay loop (`RelayHub.loop`): every relay and HTTP connection is served on
/// that loop, so every update is a plain integer add on a stored property — no lock, no atomic on
/// the fan-out path. Work measured off the loop (store calls awaited in Tasks) is recorded from
/// the future callback that runs back on the loop. The exposition is rendered on the loop too.
/// Gauges that are cheap to compute at scrape time (history size) are not kept here at all.
///
/// `@unchecked Sendable`: reachable from route closures and `HTTPServices`; only touched on `loop`.
final class RelayMetrics: @unchecked Sendable {
    enum Role: Int, CaseIterable {
        case viewer, presenter, http

        var label: String {
            switch self {
            case .viewer: "viewer"
            case .presenter: "presenter"
            case .http: "http"
            }
        }
    }

    /// Why a WebSocket client was turned away: at the HTTP handshake (a status) or right after
    /// it, by admission (a close code).
    enum RefusalReason: String, Hashable {
        case unauthorized
        case rateLimited = "rate_limited"
        case notFound = "not_found"
        case unknownShare = "unknown_share"
        case revoked
        case expired
        case viewerLimit = "viewer_limit"
        case storeError = "store_error"
        case shuttingDown = "shutting_down"
        case other

        init(httpStatus: HTTPResponseStatus) {
            switch httpStatus {
            case .unauthorized, .forbidden: self = .unauthorized
            case .tooManyRequests: self = .rateLimited
            case .notFound: self = .notFound
            case .serviceUnavailable: self = .shuttingDown
            default: self = .other
            }
        }

        /// The admission close codes of `ViewerRegistry` (4429 there is a viewer limit; the
        /// per-address handshake limit is an HTTP 429 before the upgrade, see `init(httpStatus:)`).
        init(admissionCode: RelayCloseCode) {
            switch admissionCode {
            case .unknownShare: self = .unknownShare
            case .shareRevoked: self = .revoked
            case .shareExpired: self = .expired
            case .tooManyViewers: self = .viewerLimit
            case .goingAway: self = .shuttingDown
            default: self = .other
            }
        }
    }

    enum StoreOperation: Int, CaseIterable {
        case shareLookup, historyLoad, historyAppend, revocationPoll

        var label: String {
            switch self {
            case .shareLookup: "share_lookup"
            case .historyLoad: "history_load"
            case .historyAppend: "history_append"
            case .revocationPoll: "revocation_poll"
            }
        }
    }

    /// Retained history over the live sessions, computed at scrape time.
    struct HistorySize {
        var sessions = 0
        var events = 0
        var bytes = 0
    }

    private struct RefusalKey: Hashable {
        var role: Role
        var reason: RefusalReason
    }

    private struct ClosedKey: Hashable {
        var role: Role
        var code: UInt16?
    }

    let loop: any EventLoop
    private var openConnections = Array(repeating: 0, count: Role.allCases.count)
    private var handshakes = Array(repeating: 0, count: Role.allCases.count)
    private var refusals: [RefusalKey: Int] = [:]
    private var closed: [ClosedKey: Int] = [:]
    private var eventsReceived = 0
    private var eventBytesReceived = 0
    private var viewerFramesSent = 0
    private var viewerBytesSent = 0
    private var revocations = 0
    private var viewersClosedByRevocation = 0
    private var viewersClosedByExpiry = 0
    private var fanoutLatency = LatencyHistogram(upperBounds: LatencyHistogram.fanoutBounds)
    private var storeLatency = StoreOperation.allCases.map { _ in LatencyHistogram(upperBounds: LatencyHistogram.storeBounds) }

    init(loop: any EventLoop) {
        self.loop = loop
    }

    // MARK: Recording (on the loop)

    /// A TCP connection entered the HTTP router (it leaves it by closing or by an upgrade).
    func httpConnectionOpened() {
        assert(loop.inEventLoop, "HTTP connections must be served on the relay loop (see RelayHub)")
        openConnections[Role.http.rawValue] += 1
    }
    func httpConnectionClosed() { openConnections[Role.http.rawValue] -= 1 }

    /// A WebSocket handshake was accepted (101 written) for a viewer or presenter.
    func webSocketOpened(_ role: Role) {
        assert(loop.inEventLoop, "relay connections must be served on the relay loop (see RelayHub)")
        openConnections[role.rawValue] += 1
        handshakes[role.rawValue] += 1
    }

    /// A viewer or presenter socket closed with `code` (received, else sent, else 1006; nil when
    /// no close code applies).
    func webSocketClosed(_ role: Role, code: WebSocketCloseCode?) {
        openConnections[role.rawValue] -= 1
        closed[ClosedKey(role: role, code: code?.rawValue), default: 0] += 1
    }

    func refused(_ role: Role, _ reason: RefusalReason) {
        refusals[RefusalKey(role: role, reason: reason), default: 0] += 1
    }

    func eventReceived(bytes: Int) {
        eventsReceived += 1
        eventBytesReceived += bytes
    }

    /// After one drain of a session: what it wrote, and the fan-out latency of the events that
    /// arrived since the previous drain (observed only when the drain wrote to some viewer).
    func drained(_ report: SessionFanout.DrainReport, probe: FanoutLatencyProbe) {
        viewerFramesSent += report.framesWritten
        viewerBytesSent += report.bytesWritten
        probe.drainEnded { arrivals in
            guard report.viewersWritten > 0 else { return }
            let end = NIODeadline.now().uptimeNanoseconds
            for arrival in arrivals {
                fanoutLatency.observe(nanoseconds: Int64(truncatingIfNeeded: end &- arrival))
            }
        }
    }

    func shareRevoked(viewersClosed: Int) {
        revocations += 1
        viewersClosedByRevocation += viewersClosed
    }

    func sharesExpired(viewersClosed: Int) {
        viewersClosedByExpiry += viewersClosed
    }

    func storeOperation(_ operation: StoreOperation, nanoseconds: Int64) {
        storeLatency[operation.rawValue].observe(nanoseconds: nanoseconds)
    }

    /// Times an async store call (run it inside the Task; record the result on the loop).
    static func timed<Result>(_ body: () async -> Result) async -> (result: Result, nanoseconds: Int64) {
        let start = NIODeadline.now()
        let result = await body()
        return (result, (NIODeadline.now() - start).nanoseconds)
    }

    // MARK: Exposition

    /// The whole scrape. Call on the loop.
    func exposition(history: HistorySize, process: ProcessStatistics?) -> String {
        loop.preconditionInEventLoop()
        var out = PrometheusText()
        let roles: [Role] = [.viewer, .presenter, .http]
        let webSocketRoles: [Role] = [.viewer, .presenter]
        out.gauge(
            "share_relay_open_connections", help: "Connections currently open, by role (http: not upgraded to a WebSocket).",
            roles.map { .init([("role", $0.label)], openConnections[$0.rawValue]) }
        )
        out.counter(
            "share_relay_websocket_handshakes_total", help: "WebSocket handshakes accepted (101), by role.",
            webSocketRoles.map { .init([("role", $0.label)], handshakes[$0.rawValue]) }
        )
        out.counter(
            "share_relay_refusals_total",
            help: "WebSocket clients turned away at the handshake (HTTP status) or by admission (close code), by role and reason.",
            refusals.sorted { ($0.key.role.rawValue, $0.key.reason.rawValue) < ($1.key.role.rawValue, $1.key.reason.rawValue) }
                .map { .init([("role", $0.key.role.label), ("reason", $0.key.reason.rawValue)], $0.value) }
        )
        out.counter(
            "share_relay_connections_closed_total",
            help: "WebSocket connections closed, by role and close code (received, else sent; 1006 when TCP dropped; none when no code applies).",
            closed.sorted { ($0.key.role.rawValue, Int($0.key.code ?? 0)) < ($1.key.role.rawValue, Int($1.key.code ?? 0)) }
                .map { .init([("role", $0.key.role.label), ("code", $0.key.code.map { "\($0)" } ?? "none")], $0.value) }
        )
        out.counter("share_relay_events_received_total", help: "Events accepted from presenters.", value: eventsReceived)
        out.counter(
            "share_relay_event_received_bytes_total", help: "Bytes of event data accepted from presenters (the JSON as sent).",
            value: eventBytesReceived
        )
        out.counter(
            "share_relay_viewer_frames_sent_total", help: "WebSocket frames written to viewers by the fan-out (events, presence, gaps).",
            value: viewerFramesSent
        )
        out.counter(
            "share_relay_viewer_sent_bytes_total", help: "Bytes of the frames written to viewers by the fan-out (after compression).",
            value: viewerBytesSent
        )
        out.counter("share_relay_share_revocations_total",
            help: "Share revocations that closed viewers here (session.revokeShare or the revocation poll), once per share.", value: revocations)
        out.counter(
            "share_relay_viewers_closed_by_revocation_total", help: "Viewers closed with 4403 because their share was revoked.",
            value: viewersClosedByRevocation
        )
        out.counter(
            "share_relay_viewers_closed_by_expiry_total", help: "Viewers closed with 4410 because their share expired.",
            value: viewersClosedByExpiry
        )
        out.gauge("share_relay_live_sessions", help: "Sessions held in memory (with a presenter, a viewer or unwritten history).", value: Double(history.sessions))
        out.gauge("share_relay_history_events", help: "Events retained in memory over the live sessions.", value: Double(history.events))
        out.gauge("share_relay_history_bytes", help: "Bytes of event data (as sent) retained in memory over the live sessions; history.maxBytes bounds it per session.", value: Double(history.bytes))
        out.histogram(
            "share_relay_fanout_latency_seconds",
            help: "Time from an event's arrival to the end of the first drain that wrote it to viewers' sockets (one observation per event).",
            [([], fanoutLatency)]
        )
        out.histogram(
            "share_relay_store_latency_seconds", help: "Duration of store operations, by operation.",
            StoreOperation.allCases.map { ([("operation", $0.label)], storeLatency[$0.rawValue]) }
        )
        if let process {
            out.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.", value: process.residentMemoryBytes)
            out.gauge("process_virtual_memory_bytes", help: "Virtual memory size in bytes.", value: process.virtualMemoryBytes)
            out.counter("process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", [.init([], process.cpuSeconds)])
            out.gauge("process_open_fds", help: "Number of open file descriptors.", value: process.openFileDescriptors)
            out.gauge("process_max_fds", help: "Maximum number of open file descriptors.", value: process.maxFileDescriptors)
            out.gauge("process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.", value: process.startTimeSeconds)
        }
        return out.text
    }
}
