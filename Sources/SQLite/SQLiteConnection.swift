import CSQLite

/// One SQLite connection.
///
/// Not thread-safe by itself (it is opened with `SQLITE_OPEN_NOMUTEX`): its owner must make sure
/// only one thread uses it at a time. In ShareRelay the owner is always an actor whose executor
/// is a `DatabaseExecutor`, so every call runs on that actor's own thread and never on a NIO
/// event loop or the cooperative pool.
public final class SQLiteConnection {
    /// The file path given to `init` (":memory:" for an in-memory database).
    public let path: String
    private var handle: OpaquePointer?
    private var statementCache: [String: SQLiteStatement] = [:]

    public init(path: String, options: SQLiteOpenOptions = SQLiteOpenOptions()) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch options.access {
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: "cannot open \(path): \(message)")
        }
        self.handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMilliseconds)
        do throws(SQLiteError) {
            if let mode = options.journalMode {
                let actual = try queryText("PRAGMA journal_mode=\(mode.rawValue)")
                // In-memory databases answer "memory"; anything else means the mode was refused.
                if actual?.uppercased() != mode.rawValue && path != ":memory:" {
                    throw SQLiteError(
                        code: SQLITE_ERROR,
                        message: "cannot set journal_mode=\(mode.rawValue) on \(path) (got \(actual ?? "nothing"))"
                    )
                }
            }
            if options.access != .readOnly {
                try execute("PRAGMA synchronous=\(options.synchronous.rawValue)")
            }
            try execute("PRAGMA foreign_keys=\(options.foreignKeys ? "ON" : "OFF")")
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Closes the connection. Later calls fail with SQLITE_MISUSE. Idempotent.
    public func close() {
        statementCache.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    public var isOpen: Bool { handle != nil }

    func openHandle(sql: String? = nil) throws(SQLiteError) -> OpaquePointer {
        guard let handle else { throw .misuse("connection to \(path) is closed", sql: sql) }
        return handle
    }

    func lastError(_ code: Int32, sql: String?) -> SQLiteError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return SQLiteError(code: code, message: message, sql: sql)
    }

    // MARK: Executing SQL

    /// Runs one or more statements without parameters (schema changes, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        let db = try openHandle(sql: sql)
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: sqlite3_extended_errcode(db), message: message, sql: sql)
        }
    }

    /// Compiles one statement. The caller owns it; it is finalized when released.
    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// A prepared statement kept for the life of the connection, reset and with its bindings
    /// cleared, for statements run again and again on a hot path.
    public func cachedStatement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement with parameters to completion; returns the number of rows it changed.
    @discardableResult
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int {
        let statement = try cachedStatement(sql)
        // A statement left mid-way would keep its read transaction (and WAL snapshot) open.
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return changes
    }

    /// Runs one query and maps every row.
    public func query<Row>(
        _ sql: String,
        _ values: [SQLiteValue] = [],
        row makeRow: (SQLiteRow) throws(SQLiteError) -> Row
    ) throws(SQLiteError) -> [Row] {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows: [Row] = []
        while try statement.step() {
            rows.append(try makeRow(SQLiteRow(statement: statement)))
        }
        return rows
    }

    /// The first column of the first row as an integer, or nil when there is no row or it is NULL.
    public func queryInt64(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> Int64? {
        try query(sql, values) { (row) throws(SQLiteError) in try row.optionalInt64(0) }.first ?? nil
    }

    /// The first column of the first row as text, or nil when there is no row or it is NULL.
    public func queryText(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> String? {
        try query(sql, values) { (row) throws(SQLiteError) in try row.optionalText(0) }.first ?? nil
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int {
        handle.map { Int(sqlite3_changes64($0)) } ?? 0
    }

    /// True when no transaction is open.
    public var isAutocommit: Bool {
        handle.map { sqlite3_get_autocommit($0) != 0 } ?? true
    }

    // MARK: Transactions

    public enum TransactionMode: String, Sendable {
        /// Takes the read lock at the first read, the write lock at the first write.
        case deferred = "DEFERRED"
        /// Takes the write lock at once: use for read-then-write, so two writers cannot both read
        /// the old state (and it waits for the busy timeout instead of failing half-way).
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Nested transactions are refused (SQLITE_MISUSE) rather than silently flattened.
    public func transaction<Result>(
        _ mode: TransactionMode = .immediate,
        _ body: () throws(SQLiteError) -> Result
    ) throws(SQLiteError) -> Result {
        try begin(mode)
        let result: Result
        do {
            result = try body()
            try commit()
        } catch {
            rollback()
            throw error
        }
        return result
    }

    /// Opens a transaction by hand; prefer `transaction(_:_:)`, which cannot forget to end it.
    public func begin(_ mode: TransactionMode = .immediate) throws(SQLiteError) {
        guard isAutocommit else { throw .misuse("transaction started inside another transaction") }
        try execute("BEGIN \(mode.rawValue)")
    }

    public func commit() throws(SQLiteError) {
        try execute("COMMIT")
    }

    /// Rolls back the open transaction, if any. Errors are ignored: after some failures
    /// (SQLITE_FULL, SQLITE_IOERR) SQLite has already rolled back, and the original error is the
    /// one worth reporting.
    public func rollback() {
        if !isAutocommit { try? execute("ROLLBACK") }
    }

    // MARK: Schema version

    /// `PRAGMA user_version`.
    public func userVersion() throws(SQLiteError) -> Int {
        Int(try queryInt64("PRAGMA user_version") ?? 0)
    }

    public func setUserVersion(_ version: Int) throws(SQLiteError) {
        // PRAGMA takes no bound parameters; `version` is an Int, so interpolation is safe.
        try execute("PRAGMA user_version=\(version)")
    }
}
