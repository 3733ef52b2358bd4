/// One row of `session_shares`: a read-only link to a session, valid until it expires or is
/// revoked.
public struct Share: Sendable, Hashable {
    /// The row's primary key (a random UUID for shares we create; any text for rows others insert).
    public var id: String
    public var sessionID: SessionID
    public var token: ShareToken
    /// nil for an indefinite share.
    public var expiresAt: UTCTimestamp?
    /// True when `revoked_at` is not NULL, even if another program wrote a value we cannot parse.
    public var isRevoked: Bool
    /// The parsed `revoked_at`, when there is one we can read.
    public var revokedAt: UTCTimestamp?
    public var createdAt: UTCTimestamp

    public init(
        id: String,
        sessionID: SessionID,
        token: ShareToken,
        expiresAt: UTCTimestamp?,
        isRevoked: Bool = false,
        revokedAt: UTCTimestamp? = nil,
        createdAt: UTCTimestamp
    ) {
        self.id = id
        self.sessionID = sessionID
        self.token = token
        self.expiresAt = expiresAt
        self.isRevoked = isRevoked || revokedAt != nil
        self.revokedAt = revokedAt
        self.createdAt = createdAt
    }

    /// The share's state at `now`, by the same rule as the SQL predicate
    /// `revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now)`; revoked wins over expired.
    public func status(at now: UTCTimestamp) -> ShareStatus {
        if isRevoked { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }
}

public enum ShareStatus: String, Sendable, Hashable {
    case active
    case revoked
    case expired
}

/// How long a new share lives.
public enum ShareLifetime: Sendable, Hashable {
    /// Expires this many seconds after creation.
    case seconds(Int64)
    /// Never expires (only revocation ends it).
    case indefinite
}

/// The answer to "what does this token refer to?".
public enum ShareLookup: Sendable, Hashable {
    case active(Share)
    case revoked(Share)
    case expired(Share)
    /// No share has this token (including malformed tokens, which never reach the database).
    case notFound

    public var share: Share? {
        switch self {
        case let .active(share), let .revoked(share), let .expired(share): return share
        case .notFound: return nil
        }
    }
}

/// The outcome of revoking a share.
public enum ShareRevocation: Sendable, Hashable {
    /// It was not revoked before; now it is (the returned share has `revokedAt` set).
    case revoked(Share)
    /// It was already revoked; nothing changed.
    case alreadyRevoked(Share)
    case notFound
}
