// RelayConfiguration: the one typed configuration value of ShareRelay, built at start-up from
// defaults, a YAML file, `SHARE_RELAY_*` environment variables and command-line flags (in rising
// precedence), validated with messages that name the key, the value, what is allowed and where the
// value came from. It also renders the effective configuration back as YAML, secrets masked.
//
// Owns: the model, the table of keys (`RelayConfiguration.keys`), the environment naming rule,
// parsing, validation, rendering. Must not: import any other ShareRelay module, touch sockets,
// read the process environment itself, or create files or directories. The server maps this value
// into each module's own settings.

import Foundation

/// Every setting the relay has, with its documented default. Build it with `load`, or in code
/// (tests) with the initialisers and then `validate()`.
public struct RelayConfiguration: Equatable, Sendable {
    /// Addresses to listen on. Default `127.0.0.1:8080` (loopback only).
    public var listen: [ListenAddress]
    /// SQLite database and generated owner key. Default `./data`.
    public var dataDirectory: String
    /// Viewer page and owner console. Default `web` (the bundled `web/`, relative to the working
    /// directory).
    public var webDirectory: String
    /// Owner keys (secrets). Default none: the first start generates `<dataDirectory>/owner.key`.
    public var ownerKeys: [String]
    /// Reverse proxies whose `X-Forwarded-For` / `X-Real-IP` headers name the client (for per-address
    /// limits and logs). Default none: the TCP peer is the client and those headers are ignored.
    public var trustedProxies: [IPAddressRange]
    public var tls: TLSSettings
    public var store: StoreSettings
    public var shares: ShareSettings
    public var history: HistorySettings
    public var limits: LimitSettings
    public var timeouts: TimeoutSettings
    public var logging: LoggingSettings
    public var metrics: MetricsSettings

    public init(
        listen: [ListenAddress] = [ListenAddress(host: "127.0.0.1", port: 8080)],
        dataDirectory: String = "./data",
        webDirectory: String = "web",
        ownerKeys: [String] = [],
        trustedProxies: [IPAddressRange] = [],
        tls: TLSSettings = TLSSettings(),
        store: StoreSettings = StoreSettings(),
        shares: ShareSettings = ShareSettings(),
        history: HistorySettings = HistorySettings(),
        limits: LimitSettings = LimitSettings(),
        timeouts: TimeoutSettings = TimeoutSettings(),
        logging: LoggingSettings = LoggingSettings(),
        metrics: MetricsSettings = MetricsSettings()
    ) {
        self.listen = listen
        self.dataDirectory = dataDirectory
        self.webDirectory = webDirectory
        self.ownerKeys = ownerKeys
        self.trustedProxies = trustedProxies
        self.tls = tls
        self.store = store
        self.shares = shares
        self.history = history
        self.limits = limits
        self.timeouts = timeouts
        self.logging = logging
        self.metrics = metrics
    }

    /// The built-in defaults (what `RelayConfiguration()` gives).
    public static let defaults = RelayConfiguration()

    /// Builds the effective configuration: defaults, then the YAML file, then `SHARE_RELAY_*`
    /// variables, then flags, each overriding the one before; then the cross-field rules.
    ///
    /// - Parameters:
    ///   - file: path of a YAML file; when nil, `environment["SHARE_RELAY_CONFIG"]` if set, else none.
    ///   - environment: usually `ProcessInfo.processInfo.environment`. Only `SHARE_RELAY_*` names
    ///     are read; an empty value counts as unset. An unknown `SHARE_RELAY_*` name within two
    ///     edits of a known one is refused as a typo; others are left to other tools.
    ///   - flags: values keyed by dotted name (`["limits.maxEventBytes": "2MiB"]`); lists as
    ///     comma-separated text. See `flags(fromAssignments:)`.
    public static func load(
        file: String?, environment: [String: String], flags: [String: String]
    ) throws(ConfigurationError) -> RelayConfiguration {
        var loader = ConfigurationLoader()
        if let path = file ?? environment["SHARE_RELAY_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            try loader.apply(yaml: try readFile(path), path: path)
        }
        try loader.apply(environment: environment)
        try loader.apply(flags: flags)
        try loader.checkRules()
        return loader.configuration
    }

    /// As `load(file:…)`, with the file's text given (tests, `config check` on standard input).
    /// `path` is only used to name the file in errors.
    public static func load(
        yaml: String, path: String, environment: [String: String] = [:], flags: [String: String] = [:]
    ) throws(ConfigurationError) -> RelayConfiguration {
        var loader = ConfigurationLoader()
        try loader.apply(yaml: yaml, path: path)
        try loader.apply(environment: environment)
        try loader.apply(flags: flags)
        try loader.checkRules()
        return loader.configuration
    }

    /// Checks a value built in code against every range and cross-field rule `load` applies.
    /// Errors carry no origin.
    public func validate() throws(ConfigurationError) {
        for key in Self.keys where !key.binding.accepts(self) {
            let rendered = key.binding.render(self, maskingSecrets: key.isSecret).inline
            throw .invalidValue(key: key.name, value: rendered, allowed: key.allowed, origin: nil)
        }
        try ConfigurationRules.check(self, origin: { _ in nil })
    }

    /// Turns `--set KEY=VALUE` arguments into the `flags` dictionary of `load`. A key given twice
    /// keeps its last value, as command lines usually do. Keys are checked by `load`.
    public static func flags(fromAssignments assignments: [String]) throws(ConfigurationError) -> [String: String] {
        var flags: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw .malformedAssignment(assignment)
            }
            let key = assignment[..<equals].trimmingCharacters(in: .whitespaces)
            flags[key] = String(assignment[assignment.index(after: equals)...])
        }
        return flags
    }

    private static func readFile(_ path: String) throws(ConfigurationError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(path: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, reason: "permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(path: path, reason: "not UTF-8 text")
        }
        return text
    }
}
