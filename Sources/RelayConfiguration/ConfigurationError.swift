/// Where a setting's value came from: named in every error so an operator knows what to fix.
public enum ConfigurationOrigin: Equatable, Sendable, CustomStringConvertible {
    /// The built-in default (no layer set the key).
    case builtInDefault
    /// A YAML configuration file, at the line of the offending key or value (1-based).
    case file(path: String, line: Int)
    /// A `SHARE_RELAY_*` environment variable.
    case environment(variable: String)
    /// A command-line flag, keyed by the setting's dotted name (`--set limits.maxEventBytes=…`).
    case flag(key: String)

    public var description: String {
        switch self {
        case .builtInDefault: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let variable): "environment variable \(variable)"
        case .flag(let key): "flag \(key)"
        }
    }
}

/// Why a configuration was refused. Every case names the key, the value, what is allowed and where
/// the value came from; `description` is the exact message printed by `share-relay` before it exits.
public enum ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file named by `--config` (or `SHARE_RELAY_CONFIG`) could not be read as UTF-8 text.
    case unreadableFile(path: String, reason: String)
    /// The file is not well-formed YAML, or its top level is not a mapping of settings.
    case syntax(origin: ConfigurationOrigin, problem: String)
    /// A key (file or flag) or variable (environment) that names no setting. `key` is the dotted
    /// name, or the variable's name for the environment; `suggestion` the closest known one.
    case unknownKey(key: String, origin: ConfigurationOrigin, suggestion: String?)
    /// A value of the wrong type or outside its range. `value` is as written (secrets masked);
    /// `origin` is nil only for a value built in code and checked with `validate()`.
    case invalidValue(key: String, value: String, allowed: String, origin: ConfigurationOrigin?)
    /// Values that are each valid but contradict each other (for example a default share expiry
    /// longer than the maximum). `message` names every key involved, its value and its origin.
    case conflict(keys: [String], message: String)
    /// A `KEY=VALUE` command-line assignment without `=` or with an empty key.
    case malformedAssignment(String)

    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read configuration file \(path): \(reason)"
        case .syntax(let origin, let problem):
            return "\(origin): \(problem)"
        case .unknownKey(let key, let origin, let suggestion):
            let head: String
            let hint: String
            switch origin {
            case .environment:
                head = "unknown environment variable \(key)"
                hint = suggestion.map { "; did you mean \($0)?" } ?? ""
            case .flag:
                head = "unknown flag key '\(key)'"
                hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            case .file, .builtInDefault:
                head = "\(origin): unknown key '\(key)'"
                hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            }
            return head + (hint.isEmpty ? "; see docs/configuration.md for every key" : hint)
        case .invalidValue(let key, let value, let allowed, let origin):
            let prefix = origin.map { "\($0): " } ?? ""
            return "\(prefix)invalid value \(value) for \(key); expected \(allowed)"
        case .conflict(_, let message):
            return message
        case .malformedAssignment(let text):
            return "invalid setting '\(text)'; expected KEY=VALUE with a dotted key such as limits.maxEventBytes=2MiB"
        }
    }
}
