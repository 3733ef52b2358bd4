import Foundation
import SQLite
import Testing

@Suite struct SQLiteWrapperTests {
    @Test func fileDatabaseOpensInWALModeWithForeignKeysAndBusyTimeout() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.file("a.db"), options: SQLiteOpenOptions(busyTimeoutMilliseconds: 1234))
        #expect(try connection.queryText("PRAGMA journal_mode") == "wal")
        #expect(try connection.queryInt64("PRAGMA foreign_keys") == 1)
        #expect(try connection.queryInt64("PRAGMA busy_timeout") == 1234)
        #expect(try connection.queryInt64("PRAGMA synchronous") == 2)  // FULL
    }

    @Test func everyStorageClassRoundTripsThroughBindAndColumn() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (a, b, c, d, e, f)")
        let values: [SQLiteValue] = [.integer(-42), .real(2.5), .text("grüße\u{0}x"), .blob([0, 1, 255]), .null, .blob([])]
        try connection.run("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", values)
        let rows = try connection.query("SELECT a, b, c, d, e, f FROM t") { row in
            (0..<6).map { row.value(Int32($0)) }
        }
        #expect(rows == [values])
    }

    @Test func typedColumnAccessRefusesTheWrongType() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) {
            _ = try connection.query("SELECT NULL AS expires_at") { (row) throws(SQLiteError) in try row.text(0) }
        }
        do {
            _ = try connection.query("SELECT NULL AS expires_at") { (row) throws(SQLiteError) in try row.text(0) }
        } catch {
            #expect(error.message == "column 0 (expires_at) is NULL, expected TEXT")
        }
    }

    @Test func errorsCarrySQLitesOwnMessageAndTheSQL() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        do {
            try connection.execute("SELEC 1")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.message == "near \"SELEC\": syntax error")
            #expect(error.sql == "SELEC 1")
        }
        try connection.execute("CREATE TABLE t (x TEXT UNIQUE)")
        try connection.run("INSERT INTO t VALUES (?)", ["a"])
        do {
            try connection.run("INSERT INTO t VALUES (?)", ["a"])
            Issue.record("expected a constraint violation")
        } catch {
            #expect(error.isUniqueConstraintViolation)
            #expect(error.message == "UNIQUE constraint failed: t.x")
        }
    }

    @Test func wrongParameterCountIsRefused() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try connection.run("SELECT ?1, ?2", [1]) }
    }

    @Test func transactionThatThrowsRollsBackEveryChange() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (x INTEGER UNIQUE)")
        #expect(throws: SQLiteError.self) {
            try connection.transaction { () throws(SQLiteError) in
                try connection.run("INSERT INTO t VALUES (1)")
                try connection.run("INSERT INTO t VALUES (1)")
            }
        }
        #expect(try connection.queryInt64("SELECT count(*) FROM t") == 0)
        #expect(connection.isAutocommit)
    }

    @Test func nestedTransactionIsRefused() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        _ = try connection.transaction { () throws(SQLiteError) in
            #expect(throws: SQLiteError.self) {
                try connection.transaction { () throws(SQLiteError) in }
            }
        }
    }

    @Test func migratorAppliesPendingStepsAndRecordsUserVersion() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let first = try SQLiteMigrator([SQLiteMigration(version: 1, name: "t", sql: "CREATE TABLE t (x)")])
        #expect(try first.migrate(connection) == [1])
        let both = try SQLiteMigrator(first.migrations + [SQLiteMigration(version: 2, name: "u", sql: "CREATE TABLE u (y)")])
        #expect(try both.migrate(connection) == [2])
        #expect(try both.migrate(connection) == [])
        #expect(try connection.userVersion() == 2)
    }

    @Test func migratorRefusesADatabaseWrittenByANewerSchema() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.setUserVersion(7)
        let migrator = try SQLiteMigrator([SQLiteMigration(version: 1, name: "t", sql: "CREATE TABLE t (x)")])
        #expect(throws: SQLiteMigrationError.databaseIsNewer(path: ":memory:", found: 7, supported: 1)) {
            try migrator.migrate(connection)
        }
        #expect(try connection.queryInt64("SELECT count(*) FROM sqlite_master") == 0)
    }

    @Test func failedMigrationLeavesSchemaAndVersionUnchanged() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let migrator = try SQLiteMigrator([
            SQLiteMigration(version: 1, name: "good", sql: "CREATE TABLE t (x)"),
            SQLiteMigration(version: 2, name: "bad", sql: "CREATE TABLE u (y); CREATE TABLE t (x)"),
        ])
        do {
            try migrator.migrate(connection)
            Issue.record("expected the second step to fail")
        } catch let .migrationFailed(version, name, error) {
            #expect(version == 2)
            #expect(name == "bad")
            #expect(error.message == "table t already exists")
        }
        #expect(try connection.userVersion() == 0)
        #expect(try connection.queryInt64("SELECT count(*) FROM sqlite_master") == 0)
    }

    @Test func migrationListMustBeNumberedFromOne() {
        #expect(throws: SQLiteMigrationError.self) {
            _ = try SQLiteMigrator([SQLiteMigration(version: 2, name: "x", sql: "")])
        }
    }

    @Test func actorOnDatabaseExecutorRunsEveryCallOnItsOwnThread() async {
        let probe = ExecutorProbe()
        #expect(!probe.executor.isCurrentThread, "the test's own thread is not the executor's")
        for _ in 0..<3 {
            #expect(await probe.runsOnExecutorThread())
        }
    }
}

private actor ExecutorProbe {
    nonisolated let executor = DatabaseExecutor(name: "sqlite-probe")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    // Checked by thread identity, not by `Thread.current.name`: under a loaded parallel test run
    // the name was seen as the creating Dispatch worker's ("oot.default-qos").
    func runsOnExecutorThread() -> Bool { executor.isCurrentThread }
}
