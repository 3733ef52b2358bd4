/// The one rule that names every setting's environment variable, so operators can guess them:
///
/// 1. `SHARE_RELAY_` + the dotted name in UPPER_SNAKE_CASE, dots as underscores:
///    `history.maxEvents` → `SHARE_RELAY_HISTORY_MAX_EVENTS`, `tls.certificateFile` →
///    `SHARE_RELAY_TLS_CERTIFICATE_FILE`.
/// 2. `limits.` is dropped: `limits.maxEventBytes` → `SHARE_RELAY_MAX_EVENT_BYTES`.
/// 3. `timeouts.X` → `SHARE_RELAY_X_TIMEOUT` (`timeouts.stall` → `SHARE_RELAY_STALL_TIMEOUT`),
///    unless the leaf already names its kind of time (`…Interval`, `…Grace`, `…Timeout`):
///    `timeouts.pingInterval` → `SHARE_RELAY_PING_INTERVAL`.
/// 4. The names the issues fixed for the CLI's flags: `dataDirectory` → `SHARE_RELAY_DATA_DIR`,
///    `webDirectory` → `SHARE_RELAY_WEB_DIR`, `ownerKeys` → `SHARE_RELAY_OWNER_KEY`.
public enum EnvironmentNaming {
    public static let prefix = "SHARE_RELAY_"

    /// Rule 4, by dotted name.
    static let exceptions: [String: String] = [
        "dataDirectory": "SHARE_RELAY_DATA_DIR",
        "webDirectory": "SHARE_RELAY_WEB_DIR",
        "ownerKeys": "SHARE_RELAY_OWNER_KEY",
    ]

    /// `SHARE_RELAY_*` variables that are not settings but are read by `load` or other tools; they
    /// are never mistaken for typos. `SHARE_RELAY_CONFIG` names the configuration file when `load`
    /// is given none; `SHARE_RELAY_URL` is the CLI client's relay URL.
    public static let reserved: Set<String> = ["SHARE_RELAY_CONFIG", "SHARE_RELAY_URL"]

    static func variable(for name: String) -> String {
        if let fixed = exceptions[name] { return fixed }
        let parts = name.split(separator: ".").map(String.init)
        switch parts.first {
        case "limits" where parts.count == 2:
            return prefix + upperSnake(parts[1])
        case "timeouts" where parts.count == 2:
            let leaf = parts[1]
            let namesItsTime = ["Interval", "Grace", "Timeout"].contains { leaf.hasSuffix($0) }
            return prefix + upperSnake(leaf) + (namesItsTime ? "" : "_TIMEOUT")
        default:
            return prefix + parts.map(upperSnake).joined(separator: "_")
        }
    }

    /// `maxRPCBodyBytes` → `MAX_RPC_BODY_BYTES`: a word starts at a capital that follows a lowercase
    /// letter or digit, or at the last capital of an acronym followed by a lowercase letter.
    static func upperSnake(_ camel: String) -> String {
        let characters = Array(camel)
        var out = ""
        for (index, character) in characters.enumerated() {
            if index > 0, character.isUppercase {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    out += "_"
                }
            }
            out += character.uppercased()
        }
        return out
    }
}
