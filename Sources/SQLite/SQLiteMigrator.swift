/// One numbered schema step. Migrations are append-only: once released, a migration's SQL never
/// changes; later changes come as new migrations.
public struct SQLiteMigration: Sendable, Equatable {
    /// 1, 2, 3, ...: the `PRAGMA user_version` the database has after this step.
    public let version: Int
    /// Short human name, used in error messages.
    public let name: String
    /// The SQL script of this step (may hold several statements).
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// Brings a database to the latest schema version, tracked in `PRAGMA user_version`.
///
/// All pending steps run in one IMMEDIATE transaction together with the version check, so two
/// processes starting at once cannot both apply a step, and a failed step leaves the file exactly
/// as it was. A database whose version is newer than the latest known step is refused.
public struct SQLiteMigrator: Sendable {
    public let migrations: [SQLiteMigration]

    /// - Throws: `.invalidMigrationList` unless versions are exactly 1, 2, 3, ... in order.
    public init(_ migrations: [SQLiteMigration]) throws(SQLiteMigrationError) {
        for (offset, migration) in migrations.enumerated() where migration.version != offset + 1 {
            throw .invalidMigrationList("migration \"\(migration.name)\" has version \(migration.version), expected \(offset + 1)")
        }
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.count }

    /// Applies every pending migration. Returns the versions applied (empty when up to date).
    @discardableResult
    public func migrate(_ connection: SQLiteConnection) throws(SQLiteMigrationError) -> [Int] {
        do {
            try connection.begin(.immediate)
        } catch {
            throw .sqlite(error)
        }
        do {
            let applied = try applyPending(connection)
            try wrapSQLite { () throws(SQLiteError) in try connection.commit() }
            return applied
        } catch {
            connection.rollback()
            throw error
        }
    }

    private func applyPending(_ connection: SQLiteConnection) throws(SQLiteMigrationError) -> [Int] {
        let current = try wrapSQLite { () throws(SQLiteError) in try connection.userVersion() }
        if current > latestVersion {
            throw .databaseIsNewer(path: connection.path, found: current, supported: latestVersion)
        }
        var applied: [Int] = []
        for migration in migrations where migration.version > current {
            do {
                try connection.execute(migration.sql)
            } catch {
                throw .migrationFailed(version: migration.version, name: migration.name, error: error)
            }
            applied.append(migration.version)
        }
        if !applied.isEmpty {
            try wrapSQLite { () throws(SQLiteError) in try connection.setUserVersion(latestVersion) }
        }
        return applied
    }

    private func wrapSQLite<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteMigrationError) -> T {
        do {
            return try body()
        } catch {
            throw .sqlite(error)
        }
    }
}
