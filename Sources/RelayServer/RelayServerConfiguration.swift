import Foundation
import Logging
import NIOCore
import RPC
import Relay
import RelayConfiguration
import TLS
import ShareStore

/// Everything `RelayServer.start` needs, as one typed value with documented defaults.
///
/// The executable builds it from flags and the environment; the configuration file (the
/// RelayConfiguration module) will map onto the same fields.
public struct RelayServerConfiguration: Sendable {
    /// Addresses to listen on, all served alike (one bootstrap, one relay). Port 0 picks a free
    /// one (see `RelayServer.localAddresses`). Default `127.0.0.1:8080`.
    public var listenAddresses: [ListenAddress]
    /// The host of the first listen address (setting it changes that address).
    public var host: String {
        get { listenAddresses.first?.host ?? Self.defaultHost }
        set { setFirstListenAddress(host: newValue, port: port) }
    }
    /// The port of the first listen address (setting it changes that address).
    public var port: Int {
        get { listenAddresses.first?.port ?? Self.defaultPort }
        set { setFirstListenAddress(host: host, port: newValue) }
    }
    /// Peers whose `X-Forwarded-For` / `X-Real-IP` name the client (see `ClientAddressResolver`).
    /// Default none: the TCP peer is the client and forwarded headers are ignored.
    public var trustedProxies: [IPAddressRange] = []
    /// Holds `share-relay.sqlite3` and, when no key is configured, `owner.key`. Default `./data`.
    public var dataDirectory: String
    /// Owner keys from configuration. Together with `SHARE_RELAY_OWNER_KEY` from `environment`
    /// they are the accepted keys; when both are empty, `<dataDirectory>/owner.key` is used (and
    /// generated on first start).
    public var ownerKeys: [String]
    /// Where `SHARE_RELAY_OWNER_KEY` is read from. Default: the process environment.
    public var environment: [String: String]
    /// Limits on `expires_in` for `session.share`.
    public var sharePolicy: SharePolicy
    /// Largest accepted `POST /rpc` body; larger ones get 413 without being read. Default 1 MiB.
    public var maximumRPCBodyBytes: Int
    /// Rate limiting of wrong owner keys per client address.
    public var authFailureLimit: AuthFailureLimit
    /// How long `GET /readyz` waits for the store's trivial query before answering 503. Default 2 s.
    public var readinessTimeout: TimeAmount
    /// An HTTP connection that sends nothing for this long is closed. Default 60 s.
    public var httpIdleTimeout: TimeAmount
    /// After a response sent before its request was fully read (413), how long we keep reading
    /// and discarding so the client sees the response instead of a reset. Default 2 s.
    public var lingerTimeout: TimeAmount
    /// How long `shutdown()` lets in-flight requests finish before closing connections. Default 5 s.
    public var shutdownGracePeriod: TimeAmount
    /// Event loop threads. Default: one per core.
    public var eventLoopThreads: Int
    /// The clock for share timestamps and rate limiting. Tests inject a `ManualWallClock`.
    public var clock: any WallClock
    /// The share store; nil opens `SQLiteShareStore` in `dataDirectory` (and closes it on shutdown).
    public var storage: (any ShareStorage)?
    /// The relay's hooks for RPC (`viewers`, closing sockets on revocation).
    public var shareEventsObserver: (any ShareEventsObserver)?
    /// WebSocket routes, tried in order for GET requests asking for `Upgrade: websocket`.
    public var webSocketRoutes: [WebSocketRoute]
    /// The viewer and console pages (`StaticFiles`), read once at start; relative paths are
    /// relative to the working directory. nil serves no pages. Default `web`.
    public var webDirectory: String?
    public var logger: Logger
    /// The live relay's limits and timeouts (see `RelaySettings`; `fromEnvironment` reads the
    /// `SHARE_RELAY_*` variables of the protocol).
    public var relaySettings: RelaySettings
    /// Durable event history; nil keeps history in memory (`InMemoryEventHistoryStore`).
    /// The executable passes `SQLiteEventHistoryStore` (`<dataDirectory>/history.sqlite3`).
    public var historyStore: (any EventHistoryStore)?
    /// TLS termination (`https://`, `wss://`) with the system OpenSSL; nil serves plain HTTP.
    /// The provider's `reload()` swaps the certificate for new connections (SIGHUP in `serve`).
    public var tls: TLSContextProvider?
    /// Serve `GET /metrics` (Prometheus text format 0.0.4). When false the path is a 404. Default true.
    public var metricsEnabled = true
    /// When set, `/metrics` requires `Authorization: Bearer <key>`; owner keys do not open it.
    /// Must differ from every owner key. Default nil: unauthenticated.
    public var metricsBearerKey: String?

    public static let defaultHost = "127.0.0.1"
    public static let defaultPort = 8080
    public static let defaultDataDirectory = "./data"
    public static let defaultWebDirectory = "web"
    public static let ownerKeyEnvironmentVariable = "SHARE_RELAY_OWNER_KEY"
    public static let ownerKeyFileName = "owner.key"

    public init(
        host: String = RelayServerConfiguration.defaultHost,
        port: Int = RelayServerConfiguration.defaultPort,
        dataDirectory: String = RelayServerConfiguration.defaultDataDirectory,
        ownerKeys: [String] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        sharePolicy: SharePolicy = SharePolicy(),
        maximumRPCBodyBytes: Int = 1 << 20,
        authFailureLimit: AuthFailureLimit = AuthFailureLimit(),
        readinessTimeout: TimeAmount = .seconds(2),
        httpIdleTimeout: TimeAmount = .seconds(60),
        lingerTimeout: TimeAmount = .seconds(2),
        shutdownGracePeriod: TimeAmount = .seconds(5),
        eventLoopThreads: Int = System.coreCount,
        clock: any WallClock = SystemWallClock(),
        storage: (any ShareStorage)? = nil,
        shareEventsObserver: (any ShareEventsObserver)? = nil,
        webSocketRoutes: [WebSocketRoute] = [],
        webDirectory: String? = RelayServerConfiguration.defaultWebDirectory,
        logger: Logger = Logger(label: "share-relay"),
        relaySettings: RelaySettings = RelaySettings(),
        historyStore: (any EventHistoryStore)? = nil
    ) {
        self.relaySettings = relaySettings
        self.historyStore = historyStore
        self.listenAddresses = [ListenAddress(host: host, port: port)]
        self.dataDirectory = dataDirectory
        self.ownerKeys = ownerKeys
        self.environment = environment
        self.sharePolicy = sharePolicy
        self.maximumRPCBodyBytes = maximumRPCBodyBytes
        self.authFailureLimit = authFailureLimit
        self.readinessTimeout = readinessTimeout
        self.httpIdleTimeout = httpIdleTimeout
        self.lingerTimeout = lingerTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.eventLoopThreads = eventLoopThreads
        self.clock = clock
        self.storage = storage
        self.shareEventsObserver = shareEventsObserver
        self.webSocketRoutes = webSocketRoutes
        self.webDirectory = webDirectory
        self.logger = logger
    }

    /// nil when coherent, else the first problem, naming the setting.
    public var problem: String? {
        if listenAddresses.isEmpty { return "listenAddresses must not be empty" }
        for address in listenAddresses where !(0...65_535).contains(address.port) {
            return "port \(address.port) is not between 0 and 65535"
        }
        if maximumRPCBodyBytes < 1 { return "maximumRPCBodyBytes must be at least 1" }
        if eventLoopThreads < 1 { return "eventLoopThreads must be at least 1" }
        if let policy = sharePolicy.problem { return policy }
        if let limit = authFailureLimit.problem { return limit }
        if let key = metricsBearerKey {
            if key.isEmpty { return "metricsBearerKey must not be empty (nil leaves /metrics unauthenticated)" }
            if ownerKeys.contains(key) { return "metricsBearerKey must differ from every owner key" }
        }
        do { try relaySettings.validate() } catch { return error.description }
        return nil
    }

    private mutating func setFirstListenAddress(host: String, port: Int) {
        let first = ListenAddress(host: host, port: port)
        if listenAddresses.isEmpty { listenAddresses = [first] } else { listenAddresses[0] = first }
    }
}
