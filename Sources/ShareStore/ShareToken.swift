/// The shape shared by share tokens and owner keys: a fixed prefix and 32 base62 characters
/// (32 × log2(62) ≈ 190.5 bits of entropy).
public enum SecretTokenFormat {
    public static let randomLength = 32
    public static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    /// How many characters of a secret may appear in logs: the prefix and this many more.
    public static let loggedRandomCharacters = 4

    static func isBase62(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"):
            return true
        default:
            return false
        }
    }

    /// True when `string` is `prefix` followed by exactly 32 base62 characters.
    static func matches(_ string: String, prefix: String) -> Bool {
        let utf8 = string.utf8
        let prefixBytes = prefix.utf8
        guard utf8.count == prefixBytes.count + randomLength, utf8.starts(with: prefixBytes) else { return false }
        return utf8.dropFirst(prefixBytes.count).allSatisfy(isBase62)
    }

    /// The prefix and the first few random characters, then an ellipsis: safe to log. A string
    /// without the prefix (a custom owner key) shows nothing but the ellipsis.
    static func redacted(_ string: String, prefix: String) -> String {
        guard string.hasPrefix(prefix), string.count >= prefix.count + 2 * loggedRandomCharacters else { return "…" }
        return String(string.prefix(prefix.count + loggedRandomCharacters)) + "…"
    }
}

/// A share token: `clw_share_` followed by 32 base62 characters.
///
/// `description` is redacted (`clw_share_AbCd…`), so interpolating a token into a log line never
/// writes it in full; `rawValue` is the whole secret.
public struct ShareToken: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "clw_share_"

    public let rawValue: String

    /// nil unless `string` has the exact token format.
    public init?(_ string: String) {
        guard SecretTokenFormat.matches(string, prefix: Self.prefix) else { return nil }
        rawValue = string
    }

    /// For values read back from storage, which another program may have written.
    init(stored string: String) {
        rawValue = string
    }

    public var redacted: String { SecretTokenFormat.redacted(rawValue, prefix: Self.prefix) }
    public var description: String { redacted }
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
