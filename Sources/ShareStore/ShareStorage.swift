// Module ShareStore: shares (the expiring, revocable read-only links to a live session), their
// tokens, and where they are kept.
//
// Owns: the `Share` model and its states, share tokens and owner keys (format, CSPRNG generation,
// constant-time comparison), UTC timestamps in SQLite's text format, the injectable wall clock,
// the `ShareStorage` protocol the rest of ShareRelay depends on, and `SQLiteShareStore`, its
// SQLite implementation (schema migrations, token digests, reader/writer connections on their own
// threads).
//
// Must not: know about HTTP, WebSocket, JSON-RPC or NIO; log tokens; run a blocking SQLite call on
// the caller's thread (every call hops to a `DatabaseExecutor` thread).

/// Where shares are kept. The relay and the RPC methods depend only on this protocol, so another
/// store (PostgreSQL) can be added without touching them.
///
/// Contract for implementations:
/// - "Active" means exactly `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now)`,
///   with `now` taken from the store's clock at second precision.
/// - A token lookup must not leak, through timing, how much of a presented token matches a valid
///   one (`SQLiteShareStore` looks up by SHA-256 and compares the full token in constant time).
/// - Writes are durable when the method returns.
public protocol ShareStorage: Sendable {
    /// Creates a share for `sessionID` with a fresh token; `createdAt` is now, `expiresAt` is
    /// now + the lifetime (nil for `.indefinite`). Policy (maximum lifetime, whether indefinite
    /// shares are allowed) is the caller's business, not the store's.
    func createShare(sessionID: SessionID, lifetime: ShareLifetime) async throws(ShareStoreError) -> Share

    /// Marks the share revoked now. Revoking a revoked share changes nothing and reports
    /// `.alreadyRevoked`; an expired, unrevoked share is marked revoked too.
    func revokeShare(token: ShareToken) async throws(ShareStoreError) -> ShareRevocation

    /// The active shares of one session, oldest first (by `created_at`, then insertion order).
    func activeShares(sessionID: SessionID) async throws(ShareStoreError) -> [Share]

    /// What a presented token refers to; the relay maps the answer to a close code
    /// (`.notFound` 4401, `.revoked` 4403, `.expired` 4410). Revoked wins over expired.
    func lookupShare(token: ShareToken) async throws(ShareStoreError) -> ShareLookup

    /// Answers a trivial query; throws when the store cannot (used by `GET /readyz`).
    func checkHealth() async throws(ShareStoreError)

    /// Releases connections. Later calls throw `.closed`.
    func close() async
}
