import Foundation

/// How secrets are shown wherever they are printed (`config print`, error messages): enough to tell
/// two keys apart, never enough to use one.
public enum SecretMask {
    /// `clw_owner_ab…` for our own prefixed keys (the prefix and two characters), `ab…` for any
    /// other secret. The ellipsis makes a masked value invalid as a key, so masked output fed back
    /// as configuration is refused instead of silently locking the owner out.
    public static func mask(_ secret: String) -> String {
        let characters = Array(secret)
        var visible = 0
        if secret.hasPrefix("clw_"), let secondUnderscore = characters.dropFirst(4).firstIndex(of: "_") {
            visible = secondUnderscore + 1
        }
        visible = min(visible + 2, characters.count / 2)
        return String(characters.prefix(visible)) + "…"
    }

    /// A PostgreSQL URL with its password replaced by `…` (user, host and database stay readable).
    /// Text without `://` is masked like any other secret, since it cannot be told apart.
    public static func maskPassword(inURL text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return mask(text) }
        guard let at = text[schemeEnd.upperBound...].lastIndex(of: "@") else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "…" + String(text[at...])
    }
}
