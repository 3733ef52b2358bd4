import NIOCore
import RPC
import Relay
import RelayConfiguration
import TLS

/// Why a valid configuration cannot be served by this build.
public struct UnsupportedConfiguration: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var message: String
    public var description: String { "\(key): \(message)" }
}

extension RelayServerConfiguration {
    /// The server configuration for the one typed configuration value (file, environment, flags:
    /// see `RelayConfiguration.load`). Settings this build cannot honour are refused by name
    /// rather than ignored.
    public init(_ settings: RelayConfiguration) throws(UnsupportedConfiguration) {
        guard !settings.listen.isEmpty else {
            throw UnsupportedConfiguration(key: "listen", message: "at least one address is needed")
        }
        guard settings.store.kind == .sqlite else {
            throw UnsupportedConfiguration(key: "store.kind", message: "only sqlite is available in this build")
        }
        self.init(dataDirectory: settings.dataDirectory)
        listenAddresses = settings.listen
        trustedProxies = settings.trustedProxies
        ownerKeys = settings.ownerKeys
        // RelayConfiguration already read SHARE_RELAY_OWNER_KEY into ownerKeys.
        environment.removeValue(forKey: Self.ownerKeyEnvironmentVariable)
        webDirectory = settings.webDirectory
        sharePolicy = SharePolicy(
            defaultExpiresIn: Int64(settings.shares.defaultExpiry.components.seconds),
            maximumExpiresIn: Int64(settings.shares.maxExpiry.components.seconds),
            allowsIndefiniteShares: settings.shares.allowIndefinite
        )
        maximumRPCBodyBytes = settings.limits.maxRPCBodyBytes
        authFailureLimit = AuthFailureLimit(
            maximumFailures: settings.limits.authFailuresPerAddressPerMinute,
            windowSeconds: 60
        )
        shutdownGracePeriod = TimeAmount(settings.timeouts.shutdownGrace)

        var relay = RelaySettings()
        relay.stallTimeout = TimeAmount(settings.timeouts.stall)
        relay.history = HistoryRetention(maxEvents: settings.history.maxEvents, maxBytes: settings.history.maxBytes)
        relay.maxEventBytes = settings.limits.maxEventBytes
        relay.viewerLimits = ViewerLimits(
            perShare: settings.limits.maxViewersPerShare,
            perSession: settings.limits.maxViewersPerSession,
            total: settings.limits.maxViewersTotal
        )
        // 0 turns the per-address handshake limit off.
        relay.handshakesPerAddressPerSecond =
            settings.limits.handshakesPerAddressPerSecond == 0 ? Int.max : settings.limits.handshakesPerAddressPerSecond
        relay.handshakeTimeout = TimeAmount(settings.limits.handshakeTimeout)
        relay.pingInterval = TimeAmount(settings.timeouts.pingInterval)
        relay.pongTimeout = TimeAmount(settings.timeouts.pong)
        relaySettings = relay
        metricsEnabled = settings.metrics.enabled
        metricsBearerKey = settings.metrics.bearerKey

        if settings.tls.enabled, let certificate = settings.tls.certificateFile, let key = settings.tls.privateKeyFile {
            let tlsConfiguration = TLSConfiguration(
                certificateChainFile: certificate,
                privateKeyFile: key,
                minimumVersion: settings.tls.minimumVersion == .v1_3 ? .tls13 : .tls12
            )
            do {
                tls = try TLSContextProvider(configuration: tlsConfiguration)
            } catch {
                throw UnsupportedConfiguration(key: "tls", message: "\(error)")
            }
        }
    }
}

extension TimeAmount {
    /// The same span as a `TimeAmount` (nanosecond precision).
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
