// Module SQLite: a thin, typed wrapper over the system SQLite C library (module CSQLite).
//
// Owns: opening connections with explicit flags and pragmas (WAL, busy timeout, foreign keys),
// executing SQL, prepared statements with typed bind/step/column access, transactions,
// `PRAGMA user_version` migrations, and a dedicated-thread executor on which blocking SQLite
// calls run.
//
// Must not: know about shares, sessions or any other domain type; touch NIO; hide SQLite's own
// error message. A connection is not thread-safe by itself: whoever owns it (in ShareRelay always
// one actor running on its own `DatabaseExecutor` thread) must serialise every call on it.

import CSQLite

/// An error reported by SQLite, carrying its result code and its own message.
public struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The (extended) SQLite result code, e.g. `SQLITE_CONSTRAINT_UNIQUE` (2067).
    public var code: Int32
    /// SQLite's message for the failure (`sqlite3_errmsg`), or ours for wrapper-level failures.
    public var message: String
    /// The SQL text that failed, when there was one.
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`code & 0xff`), e.g. `SQLITE_CONSTRAINT` for any constraint failure.
    public var primaryCode: Int32 { code & 0xff }

    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }
    /// SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY (C macros that do not import).
    public var isUniqueConstraintViolation: Bool {
        code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8)
    }
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in: \(sql))" }
        return "SQLite error \(code): \(message)"
    }

    /// A wrapper-level misuse (wrong column type, closed connection); SQLITE_MISUSE as code.
    static func misuse(_ message: String, sql: String? = nil) -> SQLiteError {
        SQLiteError(code: SQLITE_MISUSE, message: message, sql: sql)
    }
}

/// Raised by `SQLiteMigrator` when the schema cannot be brought to the expected version.
public enum SQLiteMigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file was written by a newer program: refusing it is the only safe choice, because
    /// this program cannot know what the newer schema means.
    case databaseIsNewer(path: String, found: Int, supported: Int)
    /// A migration failed; its transaction was rolled back and the version is unchanged.
    case migrationFailed(version: Int, name: String, error: SQLiteError)
    /// The migration list is not numbered 1, 2, 3, ... (a programming error, caught at start-up).
    case invalidMigrationList(String)
    /// Reading or writing the version itself failed.
    case sqlite(SQLiteError)

    public var description: String {
        switch self {
        case let .databaseIsNewer(path, found, supported):
            return "database \(path) has schema version \(found), but this program supports versions up to "
                + "\(supported): it was written by a newer release. Upgrade this program, or point it at "
                + "another data directory."
        case let .migrationFailed(version, name, error):
            return "schema migration \(version) (\(name)) failed and was rolled back: \(error)"
        case let .invalidMigrationList(reason):
            return "invalid migration list: \(reason)"
        case let .sqlite(error):
            return error.description
        }
    }
}
