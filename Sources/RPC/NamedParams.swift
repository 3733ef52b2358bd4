import ShareStore

/// By-name parameters of one call: an object, or absent (treated as `{}`).
struct NamedParams {
    private let object: JSONObject

    init(_ params: JSONValue?, allowed: [String]) throws(RPCError) {
        switch params {
        case nil:
            object = JSONObject()
        case let .object(object)?:
            // Unknown names are refused rather than ignored: a misspelt `expiresIn` must not
            // silently become the default lifetime.
            if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
                let list = allowed.joined(separator: ", ")
                throw .invalidParams("unknown parameter \"\(unknown)\" (this method takes \(list))")
            }
            self.object = object
        case let other?:
            throw .invalidParams("params must be an object of named parameters, got \(other.typeName)")
        }
    }

    subscript(name: String) -> JSONValue? { object[name] }

    func sessionID(default defaultSessionID: SessionID?) throws(RPCError) -> SessionID {
        guard let value = object["session_id"] else {
            if let defaultSessionID { return defaultSessionID }
            throw .invalidParams("missing session_id (\(ShareMethods.sessionIDExpectation))")
        }
        guard let text = value.stringValue else {
            throw .invalidParams("session_id must be \(ShareMethods.sessionIDExpectation), got \(value.typeName)")
        }
        guard let sessionID = SessionID(text) else {
            throw .invalidParams("session_id must be \(ShareMethods.sessionIDExpectation)")
        }
        return sessionID
    }
}
