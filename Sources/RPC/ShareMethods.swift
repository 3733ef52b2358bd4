import ShareStore

/// `session.share`, `session.revokeShare` and `session.shareList`: parameter validation
/// (snake_case in), results (camelCase out), store calls and the relay's hooks.
struct ShareMethods: Sendable {
    let storage: any ShareStorage
    let policy: SharePolicy
    let reportInternalError: @Sendable (_ method: String, _ error: any Error) -> Void

    static let sessionIDExpectation = "a string of 1-128 characters from [A-Za-z0-9._:-]"
    static let shareTokenExpectation = "a string \"clw_share_\" followed by 32 characters from [A-Za-z0-9]"

    // MARK: session.share

    func share(_ params: JSONValue?, _ context: RPCContext) async throws(RPCError) -> JSONValue {
        let named = try NamedParams(params, allowed: ["session_id", "expires_in"])
        let sessionID = try named.sessionID(default: context.defaultSessionID)
        let lifetime = try expiresIn(named["expires_in"])
        let share: Share
        do {
            share = try await storage.createShare(sessionID: sessionID, lifetime: lifetime)
        } catch {
            throw internalError("session.share", error)
        }
        return [
            "shareToken": .string(share.token.rawValue),
            "expiresAt": share.expiresAt.map { .string($0.rfc3339) } ?? .null,
        ]
    }

    private func expiresIn(_ value: JSONValue?) throws(RPCError) -> ShareLifetime {
        let range = "an integer from 1 to \(policy.maximumExpiresIn)"
        let expectation = policy.allowsIndefiniteShares ? "\(range), or null for a share that never expires" : range
        switch value {
        case nil:
            return .seconds(policy.defaultExpiresIn)
        case .null?:
            guard policy.allowsIndefiniteShares else {
                throw .invalidParams("expires_in must be \(range) (seconds); null (no expiry) is not allowed by this relay")
            }
            return .indefinite
        case let .number(number)?:
            guard let seconds = number.int64Value, seconds >= 1, seconds <= policy.maximumExpiresIn else {
                throw .invalidParams("expires_in must be \(expectation) (seconds), got \(number.text)")
            }
            return .seconds(seconds)
        case let other?:
            throw .invalidParams("expires_in must be \(expectation) (seconds), got \(other.typeName)")
        }
    }

    // MARK: session.revokeShare

    func revokeShare(_ params: JSONValue?, _ context: RPCContext) async throws(RPCError) -> JSONValue {
        let named = try NamedParams(params, allowed: ["share_token"])
        guard let value = named["share_token"] else {
            throw .invalidParams("missing share_token (\(Self.shareTokenExpectation))")
        }
        guard let text = value.stringValue, let token = ShareToken(text) else {
            throw .invalidParams("share_token must be \(Self.shareTokenExpectation)")
        }
        let outcome: ShareRevocation
        do {
            outcome = try await storage.revokeShare(token: token)
        } catch {
            throw internalError("session.revokeShare", error)
        }
        switch outcome {
        case .notFound:
            throw .shareNotFound
        case .revoked, .alreadyRevoked:
            // Awaited: the relay closes the share's sockets before we answer.
            await context.observer?.shareRevoked(token: token)
            return ["ok": true]
        }
    }

    // MARK: session.shareList

    func shareList(_ params: JSONValue?, _ context: RPCContext) async throws(RPCError) -> JSONValue {
        let named = try NamedParams(params, allowed: ["session_id"])
        let sessionID = try named.sessionID(default: context.defaultSessionID)
        let shares: [Share]
        do {
            shares = try await storage.activeShares(sessionID: sessionID)
        } catch {
            throw internalError("session.shareList", error)
        }
        var entries: [JSONValue] = []
        entries.reserveCapacity(shares.count)
        for share in shares {
            var entry = JSONObject([
                .init("shareToken", .string(share.token.rawValue)),
                .init("sessionId", .string(share.sessionID.rawValue)),
                .init("expiresAt", share.expiresAt.map { .string($0.rfc3339) } ?? .null),
                .init("createdAt", .string(share.createdAt.rfc3339)),
            ])
            if let observer = context.observer {
                entry.append("viewers", .number(JSONNumber(await observer.viewerCount(forShareToken: share.token))))
            }
            entries.append(.object(entry))
        }
        return ["shares": .array(entries)]
    }

    private func internalError(_ method: String, _ error: any Error) -> RPCError {
        reportInternalError(method, error)
        return .internalError
    }
}

/// One of the three share methods, as an `RPCMethod`.
struct ShareMethod: RPCMethod {
    enum Kind { case share, revokeShare, shareList }

    let kind: Kind
    let methods: ShareMethods

    func call(params: JSONValue?, context: RPCContext) async throws(RPCError) -> JSONValue {
        switch kind {
        case .share: return try await methods.share(params, context)
        case .revokeShare: return try await methods.revokeShare(params, context)
        case .shareList: return try await methods.shareList(params, context)
        }
    }
}
