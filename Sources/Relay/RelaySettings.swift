import NIOCore

/// Every limit and timeout of the relay domain. The defaults are the documented configuration
/// defaults (RelayConfiguration's `LimitSettings`, `TimeoutSettings`, `HistorySettings`, shown in
/// docs/configuration.md), so a relay built in code behaves like one started with no settings. The
/// server's configuration (file, environment, flags) builds one of these at start-up and calls
/// `validate()`; the environment variables named below are the contract for operators and tests.
public struct RelaySettings: Hashable, Sendable {
    /// A viewer with something to receive and no progress for this long is closed with 4408.
    /// Default 60 s (`SHARE_RELAY_STALL_TIMEOUT`, seconds).
    public var stallTimeout: TimeAmount = .seconds(60)
    /// How often the server sweeps for stalled viewers. Default 1 s (closes within timeout + 1 s).
    public var stallSweepInterval: TimeAmount = .seconds(1)

    /// Per-session retention, in memory and on disk. Default 10,000 events
    /// (`SHARE_RELAY_HISTORY_MAX_EVENTS`) and 64 MiB (`SHARE_RELAY_HISTORY_MAX_BYTES`). Bounds the
    /// memory of a session's log to about `maxBytes` plus ~100 bytes per event.
    public var history = HistoryRetention()

    /// Largest event a presenter may send; larger closes with 1009. Default 1 MiB
    /// (`SHARE_RELAY_MAX_EVENT_BYTES`). Also the WebSocket max message size for presenters.
    public var maxEventBytes = 1024 * 1024
    /// Deepest nesting of arrays and objects accepted in an event (-32700 beyond).
    public var maxEventDepth = JSONValidator.defaultMaxDepth

    /// Viewer limits (4429). Defaults 10,000 per share (`SHARE_RELAY_MAX_VIEWERS_PER_SHARE`),
    /// 10,000 per session (`SHARE_RELAY_MAX_VIEWERS_PER_SESSION`), 100,000 in total
    /// (`SHARE_RELAY_MAX_VIEWERS_TOTAL`).
    public var viewerLimits = ViewerLimits()

    /// Viewer opening handshakes accepted per client address per second; over it the upgrade is
    /// answered HTTP 429. Default 200 (`SHARE_RELAY_HANDSHAKES_PER_ADDRESS_PER_SECOND`): a flood
    /// guard; a load generator spreads over enough loopback addresses or raises it.
    public var handshakesPerAddressPerSecond = 200
    /// A connection that has not completed its opening handshake after this long is dropped.
    /// Default 10 s.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Keepalive ping interval. Default 30 s (`SHARE_RELAY_PING_INTERVAL`, seconds).
    public var pingInterval: TimeAmount = .seconds(30)
    /// A connection that has not answered a ping within this long is closed. Default 10 s
    /// (`SHARE_RELAY_PONG_TIMEOUT`, seconds).
    public var pongTimeout: TimeAmount = .seconds(10)

    /// Minimum spacing of `presence` messages to viewers and `viewers` messages to presenters.
    /// Default 250 ms: at most 4 per second.
    public var presenceInterval: TimeAmount = .milliseconds(250)

    /// Most bytes handed to one viewer in one drain (one loop iteration). Default 256 KiB: a
    /// viewer catching up from history takes turns with everything else on its loop.
    public var maxBytesPerViewerPerDrain = 256 * 1024

    /// Large sessions (at least `fanoutBatchMinimumViewers` viewers) are drained at most once per
    /// `fanoutBatchInterval`, and after a drain that took `d` not before `d × fanoutIdlePercent
    /// / 100` (at most `fanoutMaximumRest`) has passed, so that under a fast event stream each
    /// viewer write carries several events (see `DrainPacer`). Defaults 4 ms, 150 %, 50 ms and 100
    /// viewers; an interval and percentage of 0 turn pacing off.
    public var fanoutBatchInterval: TimeAmount = .milliseconds(4)
    public var fanoutIdlePercent = 150
    public var fanoutMaximumRest: TimeAmount = .milliseconds(50)
    public var fanoutBatchMinimumViewers = 100

    /// Events and bytes per history write (one transaction). Defaults 1,000 events, 4 MiB.
    public var historyBatchMaxEvents = 1000
    public var historyBatchMaxBytes = 4 * 1024 * 1024
    /// Event bytes waiting for the disk above which the server stops reading from presenters
    /// (backpressure instead of unbounded memory when the disk is slow). Default 256 MiB.
    public var historyBacklogMaxBytes = 256 * 1024 * 1024

    /// How often shares with viewers are re-checked for revocations written by other programs.
    /// Default 1 s (the contract is "within 2 seconds").
    public var revocationPollInterval: TimeAmount = .seconds(1)

    public init() {}

    /// Checks every value; the error names the setting.
    public func validate() throws(RelaySettingsError) {
        func positive(_ value: TimeAmount, _ name: String) throws(RelaySettingsError) {
            guard value.nanoseconds > 0 else { throw RelaySettingsError(setting: name, problem: "must be positive") }
        }
        func atLeast(_ value: Int, _ minimum: Int, _ name: String) throws(RelaySettingsError) {
            guard value >= minimum else { throw RelaySettingsError(setting: name, problem: "must be at least \(minimum)") }
        }
        try positive(stallTimeout, "stallTimeout")
        try positive(stallSweepInterval, "stallSweepInterval")
        try atLeast(history.maxEvents, 1, "history.maxEvents")
        try atLeast(maxEventBytes, 1, "maxEventBytes")
        try atLeast(history.maxBytes, maxEventBytes, "history.maxBytes (must hold one event of maxEventBytes)")
        try atLeast(maxEventDepth, 1, "maxEventDepth")
        try atLeast(viewerLimits.perShare, 1, "viewerLimits.perShare")
        try atLeast(viewerLimits.perSession, 1, "viewerLimits.perSession")
        try atLeast(viewerLimits.total, 1, "viewerLimits.total")
        try atLeast(handshakesPerAddressPerSecond, 1, "handshakesPerAddressPerSecond")
        try positive(handshakeTimeout, "handshakeTimeout")
        try positive(pingInterval, "pingInterval")
        try positive(pongTimeout, "pongTimeout")
        guard presenceInterval.nanoseconds >= 0 else {
            throw RelaySettingsError(setting: "presenceInterval", problem: "must not be negative")
        }
        try atLeast(maxBytesPerViewerPerDrain, 1, "maxBytesPerViewerPerDrain")
        try atLeast(Int(fanoutBatchInterval.nanoseconds), 0, "fanoutBatchInterval")
        try atLeast(fanoutBatchMinimumViewers, 0, "fanoutBatchMinimumViewers")
        try atLeast(fanoutIdlePercent, 0, "fanoutIdlePercent")
        try atLeast(Int(fanoutMaximumRest.nanoseconds), 0, "fanoutMaximumRest")
        try atLeast(historyBatchMaxEvents, 1, "historyBatchMaxEvents")
        try atLeast(historyBatchMaxBytes, 1, "historyBatchMaxBytes")
        try atLeast(historyBacklogMaxBytes, historyBatchMaxBytes, "historyBacklogMaxBytes (must hold one batch)")
        try positive(revocationPollInterval, "revocationPollInterval")
    }
}

/// A relay setting with an unusable value.
public struct RelaySettingsError: Error, Hashable, Sendable, CustomStringConvertible {
    public var setting: String
    public var problem: String

    public var description: String { "\(setting): \(problem)" }
}
