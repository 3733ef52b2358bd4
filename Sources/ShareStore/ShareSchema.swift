import SQLite

/// The share database's schema, as numbered migrations tracked in `PRAGMA user_version`.
///
/// Migration 1 is the `session_shares` table exactly as specified; other programs (the clawd
/// daemon, an operator with the `sqlite3` shell) read and write it directly, so its columns never
/// change. Everything else comes in later migrations.
///
/// ## Token lookups without timing leaks (migration 3)
///
/// Looking a presented token up with `WHERE share_token = ?` walks the unique index comparing
/// the presented string against stored ones byte by byte; the time that takes depends on how long
/// a common prefix is, which in principle lets an attacker learn a valid token a character at a
/// time. So we look up by `SHA-256(token)` instead, kept in `share_token_digests`: the digest of a
/// guess shares nothing useful with the digest of a valid token, so index-walk timing reveals
/// nothing about valid prefixes. The row found is then confirmed by comparing the full token in
/// constant time.
///
/// Other programs cannot compute SHA-256 in SQL, so they cannot maintain the digests. Triggers
/// (plain SQL, which run in any SQLite client, the `sqlite3` shell included) mark every inserted or
/// re-tokened share with a NULL digest; a lookup that misses while such pending rows exist fills
/// them in (a cheap query over a partial index, independent of the presented token) and retries.
/// So a share INSERTed by the shell is found on its first lookup, and `revoked_at` written by the
/// shell is seen at once (it lives in `session_shares`, which the lookup joins).
enum ShareSchema {
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1,
            name: "session_shares",
            sql: """
                CREATE TABLE session_shares (
                    id          TEXT PRIMARY KEY,
                    session_id  TEXT NOT NULL,
                    share_token TEXT NOT NULL UNIQUE,
                    expires_at  TEXT,
                    revoked_at  TEXT,
                    created_at  TEXT NOT NULL DEFAULT (datetime('now'))
                );
                """
        ),
        SQLiteMigration(
            version: 2,
            name: "session_shares by session",
            sql: """
                CREATE INDEX session_shares_session_id_created_at ON session_shares (session_id, created_at);
                """
        ),
        SQLiteMigration(
            version: 3,
            name: "share token digests",
            sql: """
                CREATE TABLE share_token_digests (
                    share_id     TEXT PRIMARY KEY NOT NULL,
                    token_sha256 BLOB UNIQUE
                );
                CREATE INDEX share_token_digests_pending ON share_token_digests (share_id)
                    WHERE token_sha256 IS NULL;
                CREATE TRIGGER session_shares_digest_after_insert AFTER INSERT ON session_shares
                BEGIN
                    INSERT OR REPLACE INTO share_token_digests (share_id, token_sha256) VALUES (NEW.id, NULL);
                END;
                CREATE TRIGGER session_shares_digest_after_update AFTER UPDATE OF id, share_token ON session_shares
                BEGIN
                    DELETE FROM share_token_digests WHERE share_id = OLD.id;
                    INSERT OR REPLACE INTO share_token_digests (share_id, token_sha256) VALUES (NEW.id, NULL);
                END;
                CREATE TRIGGER session_shares_digest_after_delete AFTER DELETE ON session_shares
                BEGIN
                    DELETE FROM share_token_digests WHERE share_id = OLD.id;
                END;
                INSERT INTO share_token_digests (share_id, token_sha256) SELECT id, NULL FROM session_shares;
                """
        ),
    ]
}
