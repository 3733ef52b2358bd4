/// The bytes to send back: one response object or a batch array, compact JSON.
public struct RPCResponseBody: Sendable, Hashable {
    public var bytes: [UInt8]

    public init(_ value: JSONValue) {
        bytes = value.encoded()
    }

    /// An error response with a null id, for failures found before a request could be read
    /// (401, 413, 415 on `POST /rpc`).
    public static func error(_ error: RPCError) -> RPCResponseBody {
        RPCResponseBody(RPCHandler.errorResponse(error))
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
