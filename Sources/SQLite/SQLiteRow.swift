import CSQLite

/// The current row of a statement, with typed column access by 0-based index.
/// Only meaningful inside the row closure it is passed to (the statement moves on afterwards).
public struct SQLiteRow {
    private let statement: SQLiteStatement

    init(statement: SQLiteStatement) {
        self.statement = statement
    }

    public func isNull(_ index: Int32) -> Bool {
        statement.columnType(index) == SQLITE_NULL
    }

    /// The column as SQLite stored it.
    public func value(_ index: Int32) -> SQLiteValue {
        switch statement.columnType(index) {
        case SQLITE_INTEGER: return .integer(statement.int64(index))
        case SQLITE_FLOAT: return .real(statement.double(index))
        case SQLITE_TEXT: return .text(statement.text(index))
        case SQLITE_BLOB: return .blob(statement.blob(index))
        default: return .null
        }
    }

    public func int64(_ index: Int32) throws(SQLiteError) -> Int64 {
        guard statement.columnType(index) == SQLITE_INTEGER else { throw typeError(index, expected: "INTEGER") }
        return statement.int64(index)
    }

    public func optionalInt64(_ index: Int32) throws(SQLiteError) -> Int64? {
        isNull(index) ? nil : try int64(index)
    }

    public func text(_ index: Int32) throws(SQLiteError) -> String {
        guard statement.columnType(index) == SQLITE_TEXT else { throw typeError(index, expected: "TEXT") }
        return statement.text(index)
    }

    public func optionalText(_ index: Int32) throws(SQLiteError) -> String? {
        isNull(index) ? nil : try text(index)
    }

    public func blob(_ index: Int32) throws(SQLiteError) -> [UInt8] {
        guard statement.columnType(index) == SQLITE_BLOB else { throw typeError(index, expected: "BLOB") }
        return statement.blob(index)
    }

    public func optionalBlob(_ index: Int32) throws(SQLiteError) -> [UInt8]? {
        isNull(index) ? nil : try blob(index)
    }

    private func typeError(_ index: Int32, expected: String) -> SQLiteError {
        let actual: String
        switch statement.columnType(index) {
        case SQLITE_INTEGER: actual = "INTEGER"
        case SQLITE_FLOAT: actual = "REAL"
        case SQLITE_TEXT: actual = "TEXT"
        case SQLITE_BLOB: actual = "BLOB"
        default: actual = "NULL"
        }
        return .misuse(
            "column \(index) (\(statement.columnName(index))) is \(actual), expected \(expected)",
            sql: statement.sql
        )
    }
}
