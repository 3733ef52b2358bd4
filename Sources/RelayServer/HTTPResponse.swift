import NIOHTTP1
import RPC

/// A complete response with a JSON body (every response of the server has one, errors included).
struct HTTPResponse {
    var status: HTTPResponseStatus
    var headers: [(String, String)]
    var body: [UInt8]

    init(status: HTTPResponseStatus, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ status: HTTPResponseStatus, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: value.encoded())
    }

    /// `{"error":{"code":"not_found","message":"..."}}` for the non-RPC routes.
    static func error(
        _ status: HTTPResponseStatus,
        code: String,
        message: String,
        headers: [(String, String)] = []
    ) -> HTTPResponse {
        json(status, ["error": ["code": .string(code), "message": .string(message)]], headers: headers)
    }

    /// A JSON-RPC error response with a null id, for `/rpc` failures found before the body is read.
    static func rpcError(_ status: HTTPResponseStatus, _ error: RPCError, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: RPCResponseBody.error(error).bytes)
    }

    static func notFound(_ path: String) -> HTTPResponse {
        error(.notFound, code: "not_found", message: "no route for \(path)")
    }

    static func methodNotAllowed(_ method: HTTPMethod, _ path: String, allow: String) -> HTTPResponse {
        error(
            .methodNotAllowed,
            code: "method_not_allowed",
            message: "\(method.rawValue) is not allowed on \(path); use \(allow)",
            headers: [("allow", allow)]
        )
    }
}
