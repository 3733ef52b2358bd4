import CSQLite

/// SQLite's SQLITE_TRANSIENT (a C macro that does not import): SQLite copies the bound bytes.
private let transientDestructor = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A compiled statement: bind parameters, step through rows, read columns.
/// Belongs to one connection and shares its threading rule (one thread at a time).
public final class SQLiteStatement {
    public let sql: String
    private let db: OpaquePointer
    private var handle: OpaquePointer?

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        self.sql = sql
        // No reference back to the connection object (its statement cache would make a cycle):
        // the connection closes with sqlite3_close_v2, which keeps the handle alive until the
        // last statement is finalized.
        self.db = try connection.openHandle(sql: sql)
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw connection.lastError(rc, sql: sql)
        }
        self.handle = statement
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private func statementHandle() throws(SQLiteError) -> OpaquePointer {
        guard let handle else { throw .misuse("statement is finalized", sql: sql) }
        return handle
    }

    private func error(_ rc: Int32) -> SQLiteError {
        SQLiteError(code: sqlite3_extended_errcode(db), message: String(cString: sqlite3_errmsg(db)), sql: sql)
            .withCodeIfMissing(rc)
    }

    // MARK: Binding

    /// Binds `values` to parameters 1...n.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        let expected = Int(sqlite3_bind_parameter_count(try statementHandle()))
        guard values.count == expected else {
            throw .misuse("statement takes \(expected) parameters, \(values.count) given", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to the 1-based parameter `index`.
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let statement = try statementHandle()
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(statement, index)
        case let .integer(number):
            rc = sqlite3_bind_int64(statement, index, number)
        case let .real(number):
            rc = sqlite3_bind_double(statement, index, number)
        case var .text(string):
            rc = string.withUTF8 { utf8 in
                utf8.withMemoryRebound(to: CChar.self) { chars in
                    sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), transientDestructor)
                }
            }
        case let .blob(bytes):
            if bytes.isEmpty {
                // A nil pointer would bind NULL, not an empty blob.
                rc = sqlite3_bind_zeroblob(statement, index, 0)
            } else {
                rc = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob(statement, index, raw.baseAddress, Int32(raw.count), transientDestructor)
                }
            }
        }
        guard rc == SQLITE_OK else { throw error(rc) }
    }

    // MARK: Stepping

    /// Advances to the next row: true when a row is available, false when the statement is done.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(try statementHandle())
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(rc)
        }
    }

    /// Rewinds the statement and clears its bindings so it can run again. Errors of the last
    /// step were already thrown by `step`, so the code `sqlite3_reset` repeats is ignored.
    public func reset() {
        guard let handle else { return }
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    // MARK: Columns (valid after `step` returned true)

    public var columnCount: Int32 { handle.map { sqlite3_column_count($0) } ?? 0 }

    public func columnName(_ index: Int32) -> String {
        guard let handle, let name = sqlite3_column_name(handle, index) else { return "?" }
        return String(cString: name)
    }

    func columnType(_ index: Int32) -> Int32 {
        sqlite3_column_type(handle, index)
    }

    func int64(_ index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    func double(_ index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    func text(_ index: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func blob(_ index: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }
}

extension SQLiteError {
    fileprivate func withCodeIfMissing(_ rc: Int32) -> SQLiteError {
        var copy = self
        if copy.code == SQLITE_OK { copy.code = rc }
        return copy
    }
}
