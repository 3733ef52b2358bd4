/// A share as the relay needs to know it at admission time; the server maps the share store's
/// lookup result onto it (active / revoked / expired / not found; a malformed token is `unknown`).
public enum ShareStatus: Hashable, Sendable {
    case active(expiresAt: RelayTime?)
    case revoked
    case expired
    case unknown

    /// The close code a viewer of a share in this state gets at `now`, nil if it may watch:
    /// unknown 4401, revoked 4403, expired (or active but past `expiresAt`) 4410.
    public func closeCode(now: RelayTime) -> RelayCloseCode? {
        switch self {
        case let .active(expiresAt):
            if let expiresAt, now >= expiresAt { return .shareExpired }
            return nil
        case .revoked: return .shareRevoked
        case .expired: return .shareExpired
        case .unknown: return .unknownShare
        }
    }
}
