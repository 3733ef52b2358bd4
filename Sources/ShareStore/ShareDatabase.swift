import Foundation
import SQLite

/// One connection to the share database and the queries on it. An actor running on its own
/// `DatabaseExecutor` thread: every SQLite call happens there, one at a time, never on the
/// caller's thread. `SQLiteShareStore` owns two: the writer and a read-only reader.
actor ShareDatabase {
    private let executor: DatabaseExecutor
    private var connection: SQLiteConnection?

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(threadName: String) {
        executor = DatabaseExecutor(name: threadName)
    }

    /// Opens the file; when `migrator` is given (the writer), brings the schema up to date.
    func open(path: String, options: SQLiteOpenOptions, migrator: SQLiteMigrator?) throws(ShareStoreError) {
        let connection = try Self.mapErrors { () throws(SQLiteError) in try SQLiteConnection(path: path, options: options) }
        if let migrator {
            do {
                try migrator.migrate(connection)
            } catch let .databaseIsNewer(path, found, supported) {
                throw .schemaTooNew(path: path, found: found, supported: supported)
            } catch {
                throw .unavailable(reason: error.description)
            }
        } else {
            // A reader must not run against a schema it does not understand either.
            let version = try Self.mapErrors { () throws(SQLiteError) in try connection.userVersion() }
            let supported = ShareSchema.migrations.count
            if version > supported {
                throw .schemaTooNew(path: path, found: version, supported: supported)
            }
        }
        self.connection = connection
    }

    func close() {
        connection?.close()
        connection = nil
    }

    private func db() throws(ShareStoreError) -> SQLiteConnection {
        guard let connection else { throw .closed }
        return connection
    }

    @discardableResult
    private static func mapErrors<T>(_ body: () throws(SQLiteError) -> T) throws(ShareStoreError) -> T {
        do {
            return try body()
        } catch {
            throw .unavailable(reason: error.description)
        }
    }

    // MARK: Queries

    private static let shareColumns = "s.id, s.session_id, s.share_token, s.expires_at, s.revoked_at, s.created_at"

    /// The share whose token digest is `digest` and whose token equals `token` (compared in
    /// constant time), with its state at `now` decided by the SQL predicate itself.
    func find(token: ShareToken, digest: [UInt8], now: UTCTimestamp) throws(ShareStoreError) -> ShareLookup? {
        let db = try db()
        let sql = """
            SELECT \(Self.shareColumns),
                   NOT (s.expires_at IS NULL OR s.expires_at > ?2) AS expired
            FROM share_token_digests AS d JOIN session_shares AS s ON s.id = d.share_id
            WHERE d.token_sha256 = ?1
            """
        let rows = try Self.mapErrors { () throws(SQLiteError) in
            try db.query(sql, [.blob(digest), .text(now.sqliteText)]) { (row) throws(SQLiteError) in
                (try Self.storedShare(row), try row.int64(6) != 0)
            }
        }
        guard let (stored, expired) = rows.first else { return nil }
        let share = try stored.share()
        // The digest matched; confirm the whole token without a data-dependent early exit.
        guard SecretComparison.equal(share.token.rawValue, token.rawValue) else { return nil }
        if share.isRevoked { return .revoked(share) }
        if expired { return .expired(share) }
        return .active(share)
    }

    /// True when some share (inserted or re-tokened by another program) has no digest yet.
    func hasPendingDigests() throws(ShareStoreError) -> Bool {
        let db = try db()
        return try Self.mapErrors { () throws(SQLiteError) in
            try db.queryInt64("SELECT EXISTS (SELECT 1 FROM share_token_digests WHERE token_sha256 IS NULL)") == 1
        }
    }

    /// Computes the missing digests. Writer only.
    func fillPendingDigests() throws(ShareStoreError) {
        let db = try db()
        try Self.mapErrors { () throws(SQLiteError) in
            try db.transaction(.immediate) { () throws(SQLiteError) in try Self.fillPendingDigests(db) }
        }
    }

    private static func fillPendingDigests(_ db: SQLiteConnection) throws(SQLiteError) {
        let pending = try db.query(
            """
            SELECT d.share_id, s.share_token
            FROM share_token_digests AS d JOIN session_shares AS s ON s.id = d.share_id
            WHERE d.token_sha256 IS NULL
            """
        ) { (row) throws(SQLiteError) in (try row.text(0), try row.text(1)) }
        for (shareID, token) in pending {
            let digest = SQLiteValue.blob(SecretComparison.sha256(token.utf8))
            // A row left behind by `INSERT OR REPLACE` from another program may hold this digest.
            try db.run("DELETE FROM share_token_digests WHERE token_sha256 = ?1 AND share_id <> ?2", [digest, .text(shareID)])
            try db.run("UPDATE share_token_digests SET token_sha256 = ?1 WHERE share_id = ?2", [digest, .text(shareID)])
        }
    }

    /// Inserts a share and its digest in one transaction. Writer only.
    /// Returns false when the token (or id) collided with an existing one, so the caller can retry.
    func insert(_ share: Share) throws(ShareStoreError) -> Bool {
        let db = try db()
        do {
            try db.transaction(.immediate) { () throws(SQLiteError) in
                try db.run(
                    """
                    INSERT INTO session_shares (id, session_id, share_token, expires_at, created_at)
                    VALUES (?1, ?2, ?3, ?4, ?5)
                    """,
                    [
                        .text(share.id), .text(share.sessionID.rawValue), .text(share.token.rawValue),
                        .optionalText(share.expiresAt?.sqliteText), .text(share.createdAt.sqliteText),
                    ]
                )
                // The insert trigger left a pending (NULL) digest row; fill it now.
                try db.run(
                    "UPDATE share_token_digests SET token_sha256 = ?1 WHERE share_id = ?2",
                    [.blob(SecretComparison.sha256(share.token.rawValue.utf8)), .text(share.id)]
                )
            }
            return true
        } catch where error.isUniqueConstraintViolation {
            return false
        } catch {
            throw .unavailable(reason: error.description)
        }
    }

    /// Revokes the share with this token at `now`, in one IMMEDIATE transaction. Writer only.
    func revoke(token: ShareToken, digest: [UInt8], now: UTCTimestamp) throws(ShareStoreError) -> ShareRevocation {
        let db = try db()
        try Self.mapErrors { () throws(SQLiteError) in try db.begin(.immediate) }
        do {
            var found = try find(token: token, digest: digest, now: now)
            if found == nil, try hasPendingDigests() {
                try Self.mapErrors { () throws(SQLiteError) in try Self.fillPendingDigests(db) }
                found = try find(token: token, digest: digest, now: now)
            }
            let outcome: ShareRevocation
            if var share = found?.share {
                if share.isRevoked {
                    outcome = .alreadyRevoked(share)
                } else {
                    try Self.mapErrors { () throws(SQLiteError) in
                        try db.run(
                            "UPDATE session_shares SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
                            [.text(now.sqliteText), .text(share.id)]
                        )
                    }
                    share.isRevoked = true
                    share.revokedAt = now
                    outcome = .revoked(share)
                }
            } else {
                outcome = .notFound
            }
            try Self.mapErrors { () throws(SQLiteError) in try db.commit() }
            return outcome
        } catch {
            db.rollback()
            throw error
        }
    }

    /// The active shares of a session at `now`, oldest first, by the verbatim active predicate.
    func activeShares(sessionID: SessionID, now: UTCTimestamp) throws(ShareStoreError) -> [Share] {
        let db = try db()
        let stored = try Self.mapErrors { () throws(SQLiteError) in
            try db.query(
                """
                SELECT \(Self.shareColumns)
                FROM session_shares AS s
                WHERE s.session_id = ?1
                  AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ?2)
                ORDER BY s.created_at, s.rowid
                """,
                [.text(sessionID.rawValue), .text(now.sqliteText)],
                row: Self.storedShare
            )
        }
        var shares: [Share] = []
        shares.reserveCapacity(stored.count)
        for row in stored {
            shares.append(try row.share())
        }
        return shares
    }

    /// A trivial query that still reads the file (the schema page).
    func ping() throws(ShareStoreError) {
        let db = try db()
        _ = try Self.mapErrors { () throws(SQLiteError) in try db.queryInt64("SELECT count(*) FROM sqlite_master") }
    }

    // MARK: Rows

    /// The six share columns as stored, before timestamps are parsed.
    struct StoredShare {
        var id: String
        var sessionID: String
        var token: String
        var expiresAt: String?
        var revokedAt: String?
        var createdAt: String

        func share() throws(ShareStoreError) -> Share {
            var expires: UTCTimestamp?
            if let expiresAt {
                guard let parsed = UTCTimestamp(sqliteText: expiresAt) else {
                    throw .invalidStoredValue(shareID: id, column: "expires_at", value: expiresAt)
                }
                expires = parsed
            }
            guard let created = UTCTimestamp(sqliteText: createdAt) else {
                throw .invalidStoredValue(shareID: id, column: "created_at", value: createdAt)
            }
            return Share(
                id: id,
                sessionID: SessionID(stored: sessionID),
                token: ShareToken(stored: token),
                expiresAt: expires,
                isRevoked: revokedAt != nil,
                // Any non-NULL revoked_at revokes, even one we cannot parse.
                revokedAt: revokedAt.flatMap { UTCTimestamp(sqliteText: $0) },
                createdAt: created
            )
        }
    }

    private static func storedShare(_ row: SQLiteRow) throws(SQLiteError) -> StoredShare {
        StoredShare(
            id: try row.text(0),
            sessionID: try row.text(1),
            token: try row.text(2),
            expiresAt: try row.optionalText(3),
            revokedAt: row.isNull(4) ? nil : Self.textOfAnyType(row, 4),
            createdAt: try row.text(5)
        )
    }

    /// Another program may write `revoked_at = 1`; it still means "revoked".
    private static func textOfAnyType(_ row: SQLiteRow, _ index: Int32) -> String {
        switch row.value(index) {
        case let .text(text): return text
        case let .integer(number): return String(number)
        case let .real(number): return String(number)
        case .blob: return "<blob>"
        case .null: return ""
        }
    }
}
