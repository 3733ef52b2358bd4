/// Marks the nested groups of `RelayConfiguration` (the `tls.`, `limits.`, … prefixes), so a test
/// can walk the model and check that every stored property is a documented key.
protocol SettingsGroup {}

/// `tls.*`: serving `https://` and `wss://` straight from the relay with the system OpenSSL.
public struct TLSSettings: Equatable, Sendable, SettingsGroup {
    /// Serve TLS on every listen address. Default false (plain HTTP, for loopback or behind a proxy).
    public var enabled: Bool
    /// PEM certificate chain, leaf first. Required when `enabled`; re-read on SIGHUP.
    public var certificateFile: String?
    /// PEM private key of the certificate. Required when `enabled`; re-read on SIGHUP.
    public var privateKeyFile: String?
    /// Oldest protocol version accepted. Default 1.2; TLS 1.0/1.1 are never offered.
    public var minimumVersion: TLSVersion

    public init(
        enabled: Bool = false, certificateFile: String? = nil, privateKeyFile: String? = nil,
        minimumVersion: TLSVersion = .v1_2
    ) {
        self.enabled = enabled
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.minimumVersion = minimumVersion
    }
}

/// `store.*`: where shares and history are kept.
public struct StoreSettings: Equatable, Sendable, SettingsGroup {
    /// Default `.sqlite` (a file in the data directory).
    public var kind: StoreKind
    /// Connection URL for `kind: postgres` (scale-out, later). Only its shape is validated here.
    public var postgresURL: String?

    public init(kind: StoreKind = .sqlite, postgresURL: String? = nil) {
        self.kind = kind
        self.postgresURL = postgresURL
    }
}

/// `shares.*`: the rules `session.share` applies to `expires_in`.
public struct ShareSettings: Equatable, Sendable, SettingsGroup {
    /// Expiry when `expires_in` is absent. Default 3600 s.
    public var defaultExpiry: Duration
    /// Largest `expires_in` accepted. Default 30 days.
    public var maxExpiry: Duration
    /// Whether `expires_in: null` (a share that never expires) is accepted. Default false.
    public var allowIndefinite: Bool

    public init(
        defaultExpiry: Duration = .seconds(3_600), maxExpiry: Duration = .seconds(30 * 86_400),
        allowIndefinite: Bool = false
    ) {
        self.defaultExpiry = defaultExpiry
        self.maxExpiry = maxExpiry
        self.allowIndefinite = allowIndefinite
    }
}

/// `history.*`: retention of each session's event log (whichever bound is reached first).
public struct HistorySettings: Equatable, Sendable, SettingsGroup {
    /// Events kept per session. Default 10,000.
    public var maxEvents: Int
    /// Bytes of event data kept per session; bounds the memory and disk one session can hold.
    /// Default 64 MiB.
    public var maxBytes: Int

    public init(maxEvents: Int = 10_000, maxBytes: Int = 64 << 20) {
        self.maxEvents = maxEvents
        self.maxBytes = maxBytes
    }
}

/// `limits.*`: sizes and counts that bound memory and abuse. Over a viewer limit: close 4429.
public struct LimitSettings: Equatable, Sendable, SettingsGroup {
    /// Largest event a presenter may send (larger: close 1009). Default 1 MiB.
    public var maxEventBytes: Int
    /// Viewers connected through one share. Default 10,000.
    public var maxViewersPerShare: Int
    /// Viewers of one session, over all its shares. Default 10,000.
    public var maxViewersPerSession: Int
    /// Viewers in the whole relay (each costs a socket and a few KiB). Default 100,000.
    public var maxViewersTotal: Int
    /// Viewer WebSocket handshakes accepted per client address per second (more: HTTP 429 before
    /// the upgrade); 0 turns the limit off. Default 200.
    public var handshakesPerAddressPerSecond: Int
    /// Time from TCP accept to a completed HTTP/WebSocket handshake (slow clients are dropped).
    /// Default 10 s.
    public var handshakeTimeout: Duration
    /// Largest `POST /rpc` body (larger: 413). Default 1 MiB.
    public var maxRPCBodyBytes: Int
    /// Wrong owner keys accepted per client address per minute before 401s become 429s. Default 20.
    public var authFailuresPerAddressPerMinute: Int

    public init(
        maxEventBytes: Int = 1 << 20, maxViewersPerShare: Int = 10_000, maxViewersPerSession: Int = 10_000,
        maxViewersTotal: Int = 100_000, handshakesPerAddressPerSecond: Int = 200,
        handshakeTimeout: Duration = .seconds(10), maxRPCBodyBytes: Int = 1 << 20,
        authFailuresPerAddressPerMinute: Int = 20
    ) {
        self.maxEventBytes = maxEventBytes
        self.maxViewersPerShare = maxViewersPerShare
        self.maxViewersPerSession = maxViewersPerSession
        self.maxViewersTotal = maxViewersTotal
        self.handshakesPerAddressPerSecond = handshakesPerAddressPerSecond
        self.handshakeTimeout = handshakeTimeout
        self.maxRPCBodyBytes = maxRPCBodyBytes
        self.authFailuresPerAddressPerMinute = authFailuresPerAddressPerMinute
    }
}

/// `timeouts.*`: how long the relay waits for peers.
public struct TimeoutSettings: Equatable, Sendable, SettingsGroup {
    /// A viewer that makes no progress for this long is closed with 4408. Default 60 s.
    public var stall: Duration
    /// Keepalive ping sent after this much silence on a connection. Default 30 s.
    public var pingInterval: Duration
    /// A ping unanswered for this long closes the connection. At most one ping is outstanding, so
    /// this is independent of `pingInterval`. Default 10 s.
    public var pong: Duration
    /// Wait for the peer's close frame after ours before dropping TCP. Default 3 s.
    public var close: Duration
    /// SIGTERM: time allowed for closing sockets (1001) and flushing before exit; `close` is cut
    /// to what remains of it. Default 5 s.
    public var shutdownGrace: Duration

    public init(
        stall: Duration = .seconds(60), pingInterval: Duration = .seconds(30), pong: Duration = .seconds(10),
        close: Duration = .seconds(3), shutdownGrace: Duration = .seconds(5)
    ) {
        self.stall = stall
        self.pingInterval = pingInterval
        self.pong = pong
        self.close = close
        self.shutdownGrace = shutdownGrace
    }
}

/// `logging.*`.
public struct LoggingSettings: Equatable, Sendable, SettingsGroup {
    /// Default `.info`.
    public var level: LogLevel
    /// Default `.text` (a terminal); `.json` for log collectors.
    public var format: LogFormat

    public init(level: LogLevel = .info, format: LogFormat = .text) {
        self.level = level
        self.format = format
    }
}

/// `metrics.*`: `GET /metrics` in Prometheus text format.
public struct MetricsSettings: Equatable, Sendable, SettingsGroup {
    /// Default true.
    public var enabled: Bool
    /// When set, `/metrics` requires `Authorization: Bearer <key>`. Must differ from every owner key.
    public var bearerKey: String?

    public init(enabled: Bool = true, bearerKey: String? = nil) {
        self.enabled = enabled
        self.bearerKey = bearerKey
    }
}

public enum TLSVersion: String, CaseIterable, Equatable, Sendable {
    case v1_2 = "1.2"
    case v1_3 = "1.3"
}

public enum StoreKind: String, CaseIterable, Equatable, Sendable {
    case sqlite
    case postgres
}

/// The same names as swift-log's `Logger.Level`, so `Logger.Level(rawValue:)` maps it.
public enum LogLevel: String, CaseIterable, Equatable, Sendable {
    case trace, debug, info, notice, warning, error, critical
}

public enum LogFormat: String, CaseIterable, Equatable, Sendable {
    case text
    case json
}
