/// How a connection is opened and configured. Every field is an explicit choice with a default
/// suited to a small server database.
public struct SQLiteOpenOptions: Sendable, Equatable {
    public enum Access: Sendable, Equatable {
        case readOnly
        case readWrite
        /// Read-write, creating the file when it does not exist.
        case readWriteCreate
    }

    public enum JournalMode: String, Sendable, Equatable {
        /// Write-ahead log: readers never block the writer and the writer never blocks readers.
        case wal = "WAL"
        case delete = "DELETE"
    }

    public enum Synchronous: String, Sendable, Equatable {
        /// fsync at every commit: a committed transaction survives power loss. Default.
        case full = "FULL"
        /// In WAL mode: survives a process crash (`kill -9`), may lose the last commits on power loss.
        case normal = "NORMAL"
    }

    public var access: Access
    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    /// Default 5000 ms.
    public var busyTimeoutMilliseconds: Int32
    /// Set on open; `nil` leaves the file's mode alone (read-only connections cannot change it).
    public var journalMode: JournalMode?
    public var synchronous: Synchronous
    /// `PRAGMA foreign_keys`, off by default in SQLite itself; on by default here.
    public var foreignKeys: Bool

    public init(
        access: Access = .readWriteCreate,
        busyTimeoutMilliseconds: Int32 = 5000,
        journalMode: JournalMode? = .wal,
        synchronous: Synchronous = .full,
        foreignKeys: Bool = true
    ) {
        self.access = access
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.journalMode = journalMode
        self.synchronous = synchronous
        self.foreignKeys = foreignKeys
    }

    /// A reader of a file another connection keeps in WAL mode.
    public static var reader: SQLiteOpenOptions {
        SQLiteOpenOptions(access: .readOnly, journalMode: nil)
    }
}
