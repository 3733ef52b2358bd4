import ShareStore

/// Why the server could not start. Each message is meant for the operator reading the terminal.
public enum RelayServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case alreadyStarted
    case invalidConfiguration(String)
    case bindFailed(address: String, reason: String)
    case storage(ShareStoreError)
    case ownerKey(String)

    public var description: String {
        switch self {
        case .alreadyStarted:
            return "the server was already started"
        case let .invalidConfiguration(problem):
            return "invalid configuration: \(problem)"
        case let .bindFailed(address, reason):
            return "cannot listen on \(address): \(reason)"
        case let .storage(error):
            return error.description
        case let .ownerKey(problem):
            return "owner key: \(problem)"
        }
    }
}
