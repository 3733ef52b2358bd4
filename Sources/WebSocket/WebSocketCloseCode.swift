/// A close status code (RFC 6455 section 7.4).
///
/// Any 16-bit value is representable, because a close frame can carry any value and we must be able
/// to name what the peer sent before rejecting it; `isAllowedOnWire` says which ones may actually
/// appear in a close frame.
public struct WebSocketCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let normalClosure = WebSocketCloseCode(rawValue: 1000)
    public static let goingAway = WebSocketCloseCode(rawValue: 1001)
    public static let protocolError = WebSocketCloseCode(rawValue: 1002)
    public static let unsupportedData = WebSocketCloseCode(rawValue: 1003)
    /// Never sent: stands for "the peer's close frame had no status code".
    public static let noStatusReceived = WebSocketCloseCode(rawValue: 1005)
    /// Never sent: stands for "the connection dropped without a close frame".
    public static let abnormalClosure = WebSocketCloseCode(rawValue: 1006)
    public static let invalidPayloadData = WebSocketCloseCode(rawValue: 1007)
    public static let policyViolation = WebSocketCloseCode(rawValue: 1008)
    public static let messageTooBig = WebSocketCloseCode(rawValue: 1009)
    public static let mandatoryExtension = WebSocketCloseCode(rawValue: 1010)
    public static let internalError = WebSocketCloseCode(rawValue: 1011)
    /// IANA registry: the server is restarting; a client may reconnect.
    public static let serviceRestart = WebSocketCloseCode(rawValue: 1012)
    /// IANA registry: temporary condition (overload); try again later.
    public static let tryAgainLater = WebSocketCloseCode(rawValue: 1013)
    /// IANA registry: a gateway or proxy got an invalid response upstream.
    public static let badGateway = WebSocketCloseCode(rawValue: 1014)
    /// Never sent: stands for "the TLS handshake failed".
    public static let tlsHandshakeFailure = WebSocketCloseCode(rawValue: 1015)

    /// Whether this code may appear in a close frame: 1000-1003 and 1007-1011 (RFC 6455 section 7.4.1),
    /// 1012-1014 (registered with IANA since the RFC; Autobahn's invalid-code cases 7.9.x do not list
    /// them, and a relay restarting for a deploy wants to say 1012), and 3000-4999 (libraries and
    /// applications). 1004 is reserved, 1005/1006/1015 are local-only, everything else is unassigned.
    /// A close frame carrying any other code is a protocol error.
    public var isAllowedOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    public var description: String {
        let name: String? =
            switch self {
            case .normalClosure: "normal closure"
            case .goingAway: "going away"
            case .protocolError: "protocol error"
            case .unsupportedData: "unsupported data"
            case .noStatusReceived: "no status received"
            case .abnormalClosure: "abnormal closure"
            case .invalidPayloadData: "invalid payload data"
            case .policyViolation: "policy violation"
            case .messageTooBig: "message too big"
            case .mandatoryExtension: "mandatory extension"
            case .internalError: "internal error"
            case .serviceRestart: "service restart"
            case .tryAgainLater: "try again later"
            case .badGateway: "bad gateway"
            case .tlsHandshakeFailure: "TLS handshake failure"
            default: nil
            }
        return name.map { "\(rawValue) (\($0))" } ?? "\(rawValue)"
    }
}
