/// The table of every setting, in the order of `config print`, the example file and the docs.
/// Adding a setting is one property in the model and one entry here; the tests then insist it
/// appears in `config/share-relay.yaml` and `docs/configuration.md`.
extension RelayConfiguration {
    public static let keys: [ConfigurationKey] = [
        ConfigurationKey(
            "listen",
            bind(\.listen, ListFormat(
                element: ParsedScalarFormat<ListenAddress>(allowed: "HOST:PORT"), count: 1...16,
                allowed: "a list of 1 to 16 distinct addresses HOST:PORT ([::1]:8080 for IPv6; port 0 to 65535, 0 picks a free port)",
                requiresDistinct: true)),
            summary: "Addresses to accept HTTP and WebSocket connections on."),
        ConfigurationKey(
            "dataDirectory", bind(\.dataDirectory, PathFormat()),
            summary: "Directory of the SQLite database and the generated owner.key; created if missing."),
        ConfigurationKey(
            "webDirectory", bind(\.webDirectory, PathFormat()),
            summary: "Static files of the viewer page and owner console (the bundled web/ by default)."),
        ConfigurationKey(
            "ownerKeys",
            bind(\.ownerKeys, ListFormat(
                element: SecretFormat(), count: 0...64,
                allowed: "a list of up to 64 keys, each 16 to 256 printable ASCII characters without spaces or commas")),
            secret: true,
            summary: "Bearer keys that may manage shares and publish; if empty, the first start generates one into owner.key in dataDirectory."),
        ConfigurationKey(
            "trustedProxies",
            bind(\.trustedProxies, ListFormat(
                element: ParsedScalarFormat<IPAddressRange>(allowed: "ADDRESS or ADDRESS/PREFIX"), count: 0...256,
                allowed: "a list of up to 256 IP addresses or CIDR ranges, IPv4 or IPv6 (127.0.0.1, 10.0.0.0/8, ::1, fd00::/8), with no bits set after the prefix")),
            summary: "Reverse proxies whose X-Forwarded-For / X-Real-IP headers name the client address (per-address limits, logs); from other peers those headers are ignored."),

        ConfigurationKey(
            "tls.enabled", bind(\.tls.enabled, BooleanFormat()),
            summary: "Serve https:// and wss:// on every listen address (TLS 1.2 and 1.3 only)."),
        ConfigurationKey(
            "tls.certificateFile", bind(\.tls.certificateFile, OptionalFormat(wrapped: PathFormat())),
            summary: "PEM certificate chain, leaf first; required when tls.enabled; re-read on SIGHUP."),
        ConfigurationKey(
            "tls.privateKeyFile", bind(\.tls.privateKeyFile, OptionalFormat(wrapped: PathFormat())),
            summary: "PEM private key of the certificate; required when tls.enabled; re-read on SIGHUP."),
        ConfigurationKey(
            "tls.minimumVersion", bind(\.tls.minimumVersion, ChoiceFormat<TLSVersion>()),
            summary: "Oldest TLS version accepted."),

        ConfigurationKey(
            "store.kind", bind(\.store.kind, ChoiceFormat<StoreKind>()),
            summary: "Where shares and history are kept: sqlite (a file in dataDirectory) or postgres (scale-out, later)."),
        ConfigurationKey(
            "store.postgresURL", bind(\.store.postgresURL, OptionalFormat(wrapped: PostgresURLFormat())),
            secret: true,
            summary: "PostgreSQL connection URL; required when store.kind is postgres, ignored otherwise."),

        ConfigurationKey(
            "shares.defaultExpiry",
            bind(\.shares.defaultExpiry, DurationFormat(range: .seconds(1) ... .seconds(3_650 * 86_400), wholeSeconds: true)),
            summary: "Expiry of a share created without expires_in."),
        ConfigurationKey(
            "shares.maxExpiry",
            bind(\.shares.maxExpiry, DurationFormat(range: .seconds(1) ... .seconds(3_650 * 86_400), wholeSeconds: true)),
            summary: "Largest expires_in accepted by session.share; at least shares.defaultExpiry."),
        ConfigurationKey(
            "shares.allowIndefinite", bind(\.shares.allowIndefinite, BooleanFormat()),
            summary: "Accept expires_in: null (a share that never expires)."),

        ConfigurationKey(
            "history.maxEvents", bind(\.history.maxEvents, IntegerFormat(range: 1...100_000_000)),
            summary: "Events retained per session for late joiners and resume."),
        ConfigurationKey(
            "history.maxBytes", bind(\.history.maxBytes, ByteSizeFormat(range: (1 << 10)...(64 << 30))),
            summary: "Bytes of events retained per session (bounds its memory and disk); at least limits.maxEventBytes."),

        ConfigurationKey(
            "limits.maxEventBytes", bind(\.limits.maxEventBytes, ByteSizeFormat(range: 16...(64 << 20))),
            summary: "Largest event a presenter may send (bounds the memory one incoming message takes); a larger one closes the presenter with 1009."),
        ConfigurationKey(
            "limits.maxViewersPerShare", bind(\.limits.maxViewersPerShare, IntegerFormat(range: 1...1_000_000)),
            summary: "Viewers connected through one share; over it a viewer is closed with 4429."),
        ConfigurationKey(
            "limits.maxViewersPerSession", bind(\.limits.maxViewersPerSession, IntegerFormat(range: 1...1_000_000)),
            summary: "Viewers of one session over all its shares; over it 4429."),
        ConfigurationKey(
            "limits.maxViewersTotal", bind(\.limits.maxViewersTotal, IntegerFormat(range: 1...10_000_000)),
            summary: "Viewers in the whole relay (each costs a socket and a few KiB); over it 4429."),
        ConfigurationKey(
            "limits.handshakesPerAddressPerSecond",
            bind(\.limits.handshakesPerAddressPerSecond, IntegerFormat(range: 0...1_000_000, note: "0 turns the limit off")),
            summary: "Viewer WebSocket handshakes accepted per client address per second; more are answered HTTP 429 before the upgrade."),
        ConfigurationKey(
            "limits.handshakeTimeout",
            bind(\.limits.handshakeTimeout, DurationFormat(range: .milliseconds(100) ... .seconds(300))),
            summary: "Time from TCP accept to a completed handshake; slower clients are dropped."),
        ConfigurationKey(
            "limits.maxRPCBodyBytes", bind(\.limits.maxRPCBodyBytes, ByteSizeFormat(range: (1 << 10)...(64 << 20))),
            summary: "Largest POST /rpc body (bounds the memory one request takes); a larger one gets 413."),
        ConfigurationKey(
            "limits.authFailuresPerAddressPerMinute",
            bind(\.limits.authFailuresPerAddressPerMinute, IntegerFormat(range: 1...100_000)),
            summary: "Wrong owner keys accepted per client address per minute before requests are refused with 429."),

        ConfigurationKey(
            "timeouts.stall", bind(\.timeouts.stall, DurationFormat(range: .milliseconds(100) ... .seconds(3_600))),
            summary: "A viewer that makes no progress for this long is closed with 4408."),
        ConfigurationKey(
            "timeouts.pingInterval",
            bind(\.timeouts.pingInterval, DurationFormat(range: .milliseconds(100) ... .seconds(3_600))),
            summary: "Keepalive ping after this much silence on a connection."),
        ConfigurationKey(
            "timeouts.pong", bind(\.timeouts.pong, DurationFormat(range: .milliseconds(100) ... .seconds(3_600))),
            summary: "A ping unanswered this long closes the connection (one ping outstanding at a time, so independent of pingInterval)."),
        ConfigurationKey(
            "timeouts.close", bind(\.timeouts.close, DurationFormat(range: .milliseconds(100) ... .seconds(60))),
            summary: "Wait for the peer's close frame after ours before dropping the TCP connection."),
        ConfigurationKey(
            "timeouts.shutdownGrace",
            bind(\.timeouts.shutdownGrace, DurationFormat(range: .zero ... .seconds(300))),
            summary: "On SIGTERM, time to close every socket with 1001 and flush before exiting; timeouts.close is cut to fit."),

        ConfigurationKey(
            "logging.level", bind(\.logging.level, ChoiceFormat<LogLevel>()),
            summary: "Lowest level logged."),
        ConfigurationKey(
            "logging.format", bind(\.logging.format, ChoiceFormat<LogFormat>()),
            summary: "text for a terminal, json (one object per line) for log collectors."),

        ConfigurationKey(
            "metrics.enabled", bind(\.metrics.enabled, BooleanFormat()),
            summary: "Serve GET /metrics in Prometheus text format."),
        ConfigurationKey(
            "metrics.bearerKey", bind(\.metrics.bearerKey, OptionalFormat(wrapped: SecretFormat())),
            secret: true,
            summary: "If set, /metrics requires Authorization: Bearer with this key; must differ from every owner key."),
    ]

    /// The key with this dotted name, if any.
    public static func key(named name: String) -> ConfigurationKey? { keysByName[name] }

    static let keysByName = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })
    static let keysByVariable = Dictionary(uniqueKeysWithValues: keys.map { ($0.environmentVariable, $0) })
    /// Group names (`tls`, `limits`, …), in table order.
    static let groups: [String] = keys.compactMap(\.path.group).reduce(into: []) { groups, group in
        if groups.last != group { groups.append(group) }
    }

    private static func bind<Format: ValueFormat>(
        _ keyPath: WritableKeyPath<RelayConfiguration, Format.Value> & Sendable, _ format: Format
    ) -> any SettingBinding {
        PropertyBinding(format: format, keyPath: keyPath)
    }
}
