/// One JSON-RPC 2.0 request object, checked against §4 of the specification.
struct RPCRequest {
    /// nil for a notification (no `id` member at all); `.null` for an explicit null id.
    var id: JSONValue?
    var method: String
    /// nil when the `params` member is absent.
    var params: JSONValue?

    struct Invalid: Error {
        /// The request's id when it could be read, so the error can be matched to its request.
        var id: JSONValue?
        var error: RPCError
    }

    static func parse(_ value: JSONValue) -> Result<RPCRequest, Invalid> {
        guard case let .object(object) = value else {
            return .failure(Invalid(id: nil, error: .invalidRequest("expected a request object, got \(value.typeName)")))
        }
        let id = object["id"]
        switch id {
        case nil, .null?, .string?, .number?:
            break
        case let other?:
            return .failure(Invalid(id: nil, error: .invalidRequest("id must be a string, a number or null, got \(other.typeName)")))
        }
        guard object["jsonrpc"] == .string("2.0") else {
            return .failure(Invalid(id: id, error: .invalidRequest("jsonrpc must be \"2.0\"")))
        }
        guard let method = object["method"]?.stringValue else {
            return .failure(Invalid(id: id, error: .invalidRequest("method must be a string")))
        }
        let params = object["params"]
        switch params {
        case nil, .object?, .array?:
            break
        case let other?:
            return .failure(Invalid(id: id, error: .invalidRequest("params must be an object or an array, got \(other.typeName)")))
        }
        return .success(RPCRequest(id: id, method: method, params: params))
    }
}
