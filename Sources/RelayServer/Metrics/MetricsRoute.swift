import NIOCore
import ShareStore

/// `GET /metrics` as the router serves it: who may scrape, and how the text is produced.
/// Absent from `HTTPServices` when `metrics.enabled` is false (the path is then a 404).
struct MetricsRoute: Sendable {
    /// When set, a scrape needs `Authorization: Bearer <key>`; owner keys do not open it.
    /// Never logged.
    var bearerKey: String?
    /// Produces the exposition (process statistics read off the loop, relay state read on it).
    var render: @Sendable () -> EventLoopFuture<String>

    /// Whether a request with this `Authorization` header value may scrape.
    func admits(authorization: String?) -> Bool {
        guard let bearerKey else { return true }
        guard let presented = OwnerAuthenticator.bearerCredential(authorization) else { return false }
        // Digest comparison: the timing tells nothing about the key's length or matching prefix.
        return SecretComparison.matchesAny(presented, of: [bearerKey])
    }
}
