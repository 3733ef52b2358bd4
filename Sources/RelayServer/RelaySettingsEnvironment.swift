import NIOCore
import Relay

/// The operator-facing environment variables of the live relay (docs/protocol.md, "Limits").
/// The full typed configuration (RelayConfiguration: file, environment, flags) is not wired into
/// the server yet; these variables are read directly into `RelaySettings`.
public enum RelaySettingsEnvironment {
    public static let stallTimeout = "SHARE_RELAY_STALL_TIMEOUT"
    public static let historyMaxEvents = "SHARE_RELAY_HISTORY_MAX_EVENTS"
    public static let historyMaxBytes = "SHARE_RELAY_HISTORY_MAX_BYTES"
    public static let maxEventBytes = "SHARE_RELAY_MAX_EVENT_BYTES"
    public static let maxViewersPerShare = "SHARE_RELAY_MAX_VIEWERS_PER_SHARE"
    public static let pingInterval = "SHARE_RELAY_PING_INTERVAL"

    /// An unusable value, naming the variable.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var variable: String
        public var value: String
        public var description: String { "\(variable)=\(value): expected a positive number" }
    }

    /// `base` with every variable present in `environment` applied. Durations are seconds and
    /// may be fractional (`0.5`).
    public static func settings(
        from environment: [String: String],
        base: RelaySettings = RelaySettings()
    ) throws(Problem) -> RelaySettings {
        var settings = base
        func seconds(_ name: String) throws(Problem) -> TimeAmount? {
            guard let text = environment[name] else { return nil }
            guard let value = Double(text), value > 0 else { throw Problem(variable: name, value: text) }
            return .nanoseconds(Int64(value * 1e9))
        }
        func count(_ name: String) throws(Problem) -> Int? {
            guard let text = environment[name] else { return nil }
            guard let value = Int(text), value > 0 else { throw Problem(variable: name, value: text) }
            return value
        }
        if let value = try seconds(stallTimeout) {
            settings.stallTimeout = value
            // Sweep often enough that a short timeout (tests) is honoured promptly.
            settings.stallSweepInterval = min(settings.stallSweepInterval, value)
        }
        if let value = try count(historyMaxEvents) { settings.history.maxEvents = value }
        if let value = try count(historyMaxBytes) { settings.history.maxBytes = value }
        if let value = try count(maxEventBytes) { settings.maxEventBytes = value }
        if let value = try count(maxViewersPerShare) { settings.viewerLimits.perShare = value }
        if let value = try seconds(pingInterval) { settings.pingInterval = value }
        return settings
    }
}
