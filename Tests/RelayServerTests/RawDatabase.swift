import CSQLite

/// The database file as another program (the clawd daemon, the sqlite3 shell) sees it: the
/// sqlite3 C API directly, none of our code.
final class RawDatabase {
    private var db: OpaquePointer?

    init(path: String) throws {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else {
            throw TestHTTPError("cannot open \(path)")
        }
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        sqlite3_close_v2(db)
    }

    func execute(_ sql: String) throws {
        guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
            throw TestHTTPError(String(cString: sqlite3_errmsg(db)))
        }
    }

    /// Every row of `sql`, columns as text (NULL as nil).
    func rows(_ sql: String) throws -> [[String?]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw TestHTTPError(String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        var result: [[String?]] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            result.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : String(cString: sqlite3_column_text(statement, column))
            })
        }
        return result
    }

    func scalar(_ sql: String) throws -> String? {
        try rows(sql).first?.first ?? nil
    }

    /// Both tables, in full: equal snapshots mean nothing changed.
    func snapshot() throws -> [[String?]] {
        try rows("SELECT * FROM session_shares ORDER BY id") + rows("SELECT share_id, hex(token_sha256) FROM share_token_digests ORDER BY share_id")
    }
}
