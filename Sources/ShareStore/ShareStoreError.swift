/// Why a share store operation failed. Callers map these once, at their edge (JSON-RPC -32603,
/// HTTP 503 on `/readyz`, a start-up message); none of them is the caller's fault.
public enum ShareStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database could not be opened, read or written. `reason` carries the database's own
    /// message (it may name paths: log it, never send it to clients).
    case unavailable(reason: String)
    /// The database was written by a newer schema version than this program knows.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// A stored value another program wrote cannot be read (e.g. `expires_at` not a timestamp).
    case invalidStoredValue(shareID: String, column: String, value: String)
    /// The CSPRNG failed (`RAND_bytes` returned an error): no token can be made safely.
    case randomSourceFailed
    /// The store was closed.
    case closed

    public var description: String {
        switch self {
        case let .unavailable(reason):
            return "share store unavailable: \(reason)"
        case let .schemaTooNew(path, found, supported):
            return "database \(path) has schema version \(found), but this share-relay supports versions up to "
                + "\(supported): it was written by a newer release. Upgrade share-relay, or point --data-dir "
                + "at another directory."
        case let .invalidStoredValue(shareID, column, value):
            return "share \(shareID): column \(column) holds \"\(value)\", which is not a UTC timestamp "
                + "(YYYY-MM-DD HH:MM:SS)"
        case .randomSourceFailed:
            return "the system random number generator failed"
        case .closed:
            return "share store is closed"
        }
    }
}
