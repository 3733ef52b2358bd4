import NIOCore
import RPC

/// Calls a relay's JSON-RPC methods over `POST /rpc` with an owner key.
public struct RelayRPCClient: Sendable {
    public let endpoint: RelayEndpoint
    private let ownerKey: String
    private let timeout: TimeAmount

    public init(url: String, ownerKey: String, timeout: TimeAmount = .seconds(10)) throws(RelayClientError) {
        self.endpoint = try RelayEndpoint(url: url)
        self.ownerKey = ownerKey
        self.timeout = timeout
    }

    /// Sends one request (id 1) and returns its `result`.
    public func call(_ method: String, params: JSONValue) async throws(RelayClientError) -> JSONValue {
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params]
        let response = try await RelayHTTPClient.send(
            method: .POST,
            to: endpoint,
            path: "/rpc",
            headers: [("content-type", "application/json"), ("authorization", "Bearer \(ownerKey)")],
            body: request.encoded(),
            timeout: timeout
        )
        let json = try? JSONParser.parse(response.body)
        guard response.status == 200 else {
            var message = json?["error"]?["message"]?.stringValue ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            if let retryAfter = response.header("retry-after") { message += " (Retry-After: \(retryAfter) s)" }
            throw .httpStatus(code: response.status, message: message)
        }
        guard let json else {
            throw .malformedResponse("the body is not JSON")
        }
        if let error = json["error"] {
            guard case let .number(code)? = error["code"], let codeValue = code.int64Value,
                let message = error["message"]?.stringValue
            else {
                throw .malformedResponse("an error without code and message")
            }
            throw .rpc(RPCError(code: Int(codeValue), message: message))
        }
        guard let result = json["result"] else {
            throw .malformedResponse("neither result nor error")
        }
        return result
    }
}
