/// An owner key: `clw_owner_` followed by 32 base62 characters. Generated keys have this format;
/// configured keys may be any non-empty string (operators may bring their own secrets).
public struct OwnerKey: Sendable, Hashable, CustomStringConvertible {
    public static let prefix = "clw_owner_"

    public let rawValue: String

    /// nil for an empty (or all-whitespace) string; surrounding whitespace is removed, so a key
    /// read from a file with a trailing newline works.
    public init?(_ string: String) {
        let trimmed = string.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        rawValue = trimmed
    }

    public var hasGeneratedFormat: Bool { SecretTokenFormat.matches(rawValue, prefix: Self.prefix) }
    public var redacted: String { SecretTokenFormat.redacted(rawValue, prefix: Self.prefix) }
    public var description: String { redacted }
}
