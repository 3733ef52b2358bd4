// Module RPC: JSON-RPC 2.0 for share management.
//
// Owns: a strict JSON parser and compact writer (`JSONValue`), the JSON-RPC 2.0 envelope (single
// requests, batches, notifications, the error codes), the `session.share`, `session.revokeShare`
// and `session.shareList` methods with their exact parameter and result names, the share policy,
// and the hooks through which the relay adds live data (`ShareEventsObserver`).
//
// Must not: know the transport. It takes bytes and a context and returns bytes (or nothing), so
// `POST /rpc` and the presenter's WebSocket share it; HTTP status codes, authentication and body
// limits belong to the transport. It never puts internal details (SQL, paths) into a response.

import Foundation
import ShareStore

/// One JSON-RPC method: its `params` (nil when absent) and the call's context in, its `result`
/// out, or an `RPCError` for the client.
public protocol RPCMethod: Sendable {
    func call(params: JSONValue?, context: RPCContext) async throws(RPCError) -> JSONValue
}

/// Handles JSON-RPC 2.0 bodies. Stateless and Sendable: one instance serves every connection.
public struct RPCHandler: Sendable {
    public static let shareMethodNames = ["session.share", "session.revokeShare", "session.shareList"]

    private let methods: [String: any RPCMethod]

    /// - Parameters:
    ///   - storage: where shares are kept.
    ///   - policy: limits on `expires_in`.
    ///   - additionalMethods: further methods (e.g. the relay's `relay.sync` on the presenter
    ///     socket); they cannot replace the share methods.
    ///   - onInternalError: told the real cause of every -32603 (for the log); the client only
    ///     sees "Internal error".
    public init(
        storage: any ShareStorage,
        policy: SharePolicy = SharePolicy(),
        additionalMethods: [String: any RPCMethod] = [:],
        onInternalError: @escaping @Sendable (_ method: String, _ error: any Error) -> Void = { _, _ in }
    ) {
        let shares = ShareMethods(storage: storage, policy: policy, reportInternalError: onInternalError)
        var methods = additionalMethods
        methods["session.share"] = ShareMethod(kind: .share, methods: shares)
        methods["session.revokeShare"] = ShareMethod(kind: .revokeShare, methods: shares)
        methods["session.shareList"] = ShareMethod(kind: .shareList, methods: shares)
        self.methods = methods
    }

    /// Handles one HTTP or WebSocket body: a request, a notification or a batch.
    ///
    /// Returns the response body, or nil when nothing is to be sent (a notification, or a batch
    /// of notifications only: HTTP answers 204). Batch entries run one after another, in order.
    public func handle(body: [UInt8], context: RPCContext) async -> RPCResponseBody? {
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(body)
        } catch {
            return RPCResponseBody(errorResponse(.parseError(error.description), id: .null))
        }
        return await handle(parsed: parsed, context: context)
    }

    /// `handle(body:context:)` for a `Data` body.
    public func handle(body: Data, context: RPCContext) async -> RPCResponseBody? {
        await handle(body: [UInt8](body), context: context)
    }

    /// Like `handle(body:context:)` for a body the transport has already parsed.
    public func handle(parsed: JSONValue, context: RPCContext) async -> RPCResponseBody? {
        guard case let .array(entries) = parsed else {
            return await handleEntry(parsed, context: context).map(RPCResponseBody.init)
        }
        guard !entries.isEmpty else {
            return RPCResponseBody(errorResponse(.invalidRequest("empty batch"), id: .null))
        }
        var responses: [JSONValue] = []
        for entry in entries {
            if let response = await handleEntry(entry, context: context) {
                responses.append(response)
            }
        }
        return responses.isEmpty ? nil : RPCResponseBody(.array(responses))
    }

    /// One request object: its response, or nil for a valid notification.
    private func handleEntry(_ entry: JSONValue, context: RPCContext) async -> JSONValue? {
        let request: RPCRequest
        switch RPCRequest.parse(entry) {
        case let .success(parsed):
            request = parsed
        case let .failure(invalid):
            return errorResponse(invalid.error, id: invalid.id ?? .null)
        }
        let outcome: Result<JSONValue, RPCError>
        if let method = methods[request.method] {
            do {
                outcome = .success(try await method.call(params: request.params, context: context))
            } catch {
                outcome = .failure(error)
            }
        } else {
            outcome = .failure(.methodNotFound(request.method))
        }
        guard let id = request.id else { return nil }  // a notification: no response, even to errors
        switch outcome {
        case let .success(result):
            return ["jsonrpc": "2.0", "id": id, "result": result]
        case let .failure(error):
            return errorResponse(error, id: id)
        }
    }

    /// `{"jsonrpc":"2.0","id":<id>,"error":{"code":...,"message":"..."}}`.
    public func errorResponse(_ error: RPCError, id: JSONValue) -> JSONValue {
        Self.errorResponse(error, id: id)
    }

    public static func errorResponse(_ error: RPCError, id: JSONValue = .null) -> JSONValue {
        ["jsonrpc": "2.0", "id": id, "error": error.json]
    }
}
