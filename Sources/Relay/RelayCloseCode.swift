/// The WebSocket close codes the relay sends, with the rule each one stands for (issue 4).
/// The I/O layer passes `rawValue` to the WebSocket core's close frame.
public struct RelayCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// 1001: the relay is shutting down (SIGTERM).
    public static let goingAway = RelayCloseCode(rawValue: 1001)
    /// 1008: a viewer sent a text or binary frame; viewers are read-only.
    public static let readOnlyViolation = RelayCloseCode(rawValue: 1008)
    /// 1009: a presenter's event is larger than `RelaySettings.maxEventBytes`.
    public static let eventTooLarge = RelayCloseCode(rawValue: 1009)
    /// 4401: unknown or malformed share token.
    public static let unknownShare = RelayCloseCode(rawValue: 4401)
    /// 4403: the share was revoked.
    public static let shareRevoked = RelayCloseCode(rawValue: 4403)
    /// 4408: the viewer made no progress for the stall timeout.
    public static let viewerStalled = RelayCloseCode(rawValue: 4408)
    /// 4410: the share expired.
    public static let shareExpired = RelayCloseCode(rawValue: 4410)
    /// 4429: a viewer limit (per share, per session or in total) is reached.
    public static let tooManyViewers = RelayCloseCode(rawValue: 4429)

    /// A short reason for the close frame. Never contains a token or other secret.
    public var reason: String {
        switch self {
        case .goingAway: "relay shutting down"
        case .readOnlyViolation: "viewers are read-only"
        case .eventTooLarge: "event too large"
        case .unknownShare: "unknown share"
        case .shareRevoked: "share revoked"
        case .viewerStalled: "viewer stalled"
        case .shareExpired: "share expired"
        case .tooManyViewers: "too many viewers"
        default: ""
        }
    }

    public var description: String { "\(rawValue)" }
}
