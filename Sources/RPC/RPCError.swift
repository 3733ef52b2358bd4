/// A JSON-RPC 2.0 error object: the code and the message clients see.
///
/// Messages are written for the person debugging the client: they name the parameter and what
/// was expected. They never carry stack traces, SQL, paths or secrets.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) (\(code))" }

    // MARK: The codes (JSON-RPC 2.0 §5.1, and ours from -32001)

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let unauthorizedCode = -32001
    public static let shareNotFoundCode = -32004

    public static func parseError(_ detail: String) -> RPCError {
        RPCError(code: parseErrorCode, message: "Parse error: \(detail)")
    }

    public static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: invalidRequestCode, message: "Invalid Request: \(detail)")
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(code: methodNotFoundCode, message: "Method not found: \(method)")
    }

    public static func invalidParams(_ detail: String) -> RPCError {
        RPCError(code: invalidParamsCode, message: "Invalid params: \(detail)")
    }

    public static func unauthorized(_ detail: String) -> RPCError {
        RPCError(code: unauthorizedCode, message: "Unauthorized: \(detail)")
    }

    public static let shareNotFound = RPCError(code: shareNotFoundCode, message: "Share not found")

    /// Deliberately says nothing more: the cause (a database error, a path) is logged, not sent.
    public static let internalError = RPCError(code: internalErrorCode, message: "Internal error")

    /// `{"code":...,"message":"..."}`.
    public var json: JSONValue {
        ["code": .number(JSONNumber(code)), "message": .string(message)]
    }
}
