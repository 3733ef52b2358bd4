import SQLite

/// The history database's schema, as numbered migrations tracked in `PRAGMA user_version`.
/// Migrations are append-only: a released step never changes; later changes come as new steps.
///
/// - `history_events` holds each retained event exactly as the presenter sent it (`data`, a BLOB,
///   so SQLite never converts its encoding) with its sequence number and receive time in
///   milliseconds since the epoch. It is an ordinary rowid table with the primary key
///   `(session_id, seq)` as a separate index: events can be up to a megabyte, and a
///   `WITHOUT ROWID` table would put whole rows in its interior pages.
/// - `history_sessions` keeps, per session, the last sequence number ever stored (so numbering
///   continues after a restart even if every event was trimmed) and the count and byte total of
///   the retained events, so an append decides whether to trim without reading the session's rows.
///   These counters are maintained only by `SQLiteEventHistoryStore`; edit the events table by
///   hand only together with them.
enum EventHistorySchema {
    static let migrations: [SQLiteMigration] = [
        SQLiteMigration(
            version: 1,
            name: "history events and sessions",
            sql: """
                CREATE TABLE history_events (
                    session_id TEXT    NOT NULL,
                    seq        INTEGER NOT NULL,
                    time_ms    INTEGER NOT NULL,
                    data       BLOB    NOT NULL,
                    PRIMARY KEY (session_id, seq)
                );
                CREATE TABLE history_sessions (
                    session_id      TEXT    PRIMARY KEY NOT NULL,
                    last_seq        INTEGER NOT NULL,
                    retained_events INTEGER NOT NULL,
                    retained_bytes  INTEGER NOT NULL
                );
                """
        )
    ]
}
