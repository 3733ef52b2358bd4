import RPC

/// Why a call to a relay failed, worded for the person running the CLI.
public enum RelayClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case connectionFailed(endpoint: String, reason: String)
    case timedOut(endpoint: String)
    case malformedResponse(String)
    /// A non-200 answer (401, 413, 415, 429, 5xx) with the server's message.
    case httpStatus(code: Int, message: String)
    /// A JSON-RPC error answer.
    case rpc(RPCError)

    public var description: String {
        switch self {
        case let .invalidURL(reason):
            return "invalid URL: \(reason)"
        case let .connectionFailed(endpoint, reason):
            return "cannot reach the relay at \(endpoint): \(reason)"
        case let .timedOut(endpoint):
            return "the relay at \(endpoint) did not answer in time"
        case let .malformedResponse(reason):
            return "unexpected answer from the relay: \(reason)"
        case let .httpStatus(code, message):
            return "the relay answered HTTP \(code): \(message)"
        case let .rpc(error):
            return "\(error.message) (JSON-RPC error \(error.code))"
        }
    }
}
