import Foundation
import NIOCore
import SQLite

/// `EventHistoryStore` on its own SQLite file (the relay uses `<data-dir>/history.sqlite3`).
///
/// This is the one type of the Relay module that touches the disk, and it does so only on its own
/// thread: the actor runs on a `DatabaseExecutor`, so every SQLite call (and every fsync) happens
/// there, never on a NIO event loop or the cooperative pool. It owns the file's only connection,
/// which is therefore its only writer; loads queue behind writes, which is fine because they
/// happen once per session activation. Two relays must not share a data directory.
///
/// Batching: each `append` is ONE transaction, however many events and sessions its batch holds;
/// `HistoryWriteBatcher` decides how many events go into it.
///
/// Durability: the file is in WAL mode. With `synchronous: .full` (the default) SQLite fsyncs the
/// WAL before `COMMIT` returns, so once `append` returns its events survive a process crash, a
/// kill and a power loss (as far as the disk honours fsync). With `.normal` the WAL is fsynced
/// only at checkpoints: a returned `append` survives a crash or kill of the relay, but the last
/// commits may be lost when the machine loses power. Either way a failed `append` leaves nothing
/// of its batch behind.
///
/// Retention is applied at every `append` to each session the batch touched, with the rule of
/// `HistoryRetention` (the newest events within both limits, the newest one always), so a restart
/// restores the window the in-memory `SessionLog` held. The session's last seq is kept apart from
/// the events (`history_sessions`), so it never depends on what retention left.
public actor SQLiteEventHistoryStore: EventHistoryStore {
    /// The file name inside the data directory.
    public static let fileName = "history.sqlite3"
    /// The schema version this release writes (`PRAGMA user_version`).
    public static var schemaVersion: Int { EventHistorySchema.migrations.count }

    /// The database file path.
    public nonisolated let path: String
    private let executor: DatabaseExecutor
    private var connection: SQLiteConnection?
    /// Number of `append` transactions committed: one per `append` that stored events. Lets tests
    /// and metrics see batching.
    public private(set) var committedAppends = 0

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens (creating and migrating when needed) the history database at `path`. A new file is
    /// created readable by its owner only (events are private session content).
    ///
    /// Runs on the calling thread (opening and migrating block on the disk): call it at start-up,
    /// not on an event loop. Every later call runs on the store's own thread.
    ///
    /// - Parameters:
    ///   - synchronous: `.full` (default): appends survive power loss; `.normal`: they survive a
    ///     crash of the process only (see the type's documentation).
    ///   - busyTimeoutMilliseconds: how long a statement waits for another connection's lock
    ///     (e.g. an operator's `sqlite3` shell) before failing. Default 5000 ms.
    /// - Throws: `.storageFailure` when the file cannot be opened or migrated, and when it has a
    ///   newer schema than this release knows (the message says so).
    public static func open(
        path: String,
        synchronous: SQLiteOpenOptions.Synchronous = .full,
        busyTimeoutMilliseconds: Int32 = 5000
    ) throws(EventHistoryError) -> SQLiteEventHistoryStore {
        let options = SQLiteOpenOptions(
            access: .readWriteCreate,
            busyTimeoutMilliseconds: busyTimeoutMilliseconds,
            journalMode: .wal,
            synchronous: synchronous
        )
        return try SQLiteEventHistoryStore(path: path, options: options)
    }

    private init(path: String, options: SQLiteOpenOptions) throws(EventHistoryError) {
        let connection = try SQLiteEventHistoryStore.openConnection(path: path, options: options)
        self.path = path
        self.executor = DatabaseExecutor(name: "history-db")
        self.connection = connection
    }

    private static func openConnection(path: String, options: SQLiteOpenOptions) throws(EventHistoryError) -> SQLiteConnection {
        if path != ":memory:" {
            // Create the file with mode 0600 before SQLite does (it would use 0644); the -wal and
            // -shm files get the same mode. An existing file keeps the mode it has.
            let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { Foundation.close(descriptor) }
        }
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path, options: options)
        } catch {
            throw .storageFailure("cannot open history database: \(error.description)")
        }
        do {
            try SQLiteMigrator(EventHistorySchema.migrations).migrate(connection)
        } catch {
            connection.close()
            // `.databaseIsNewer` says which versions and what to do about it.
            throw .storageFailure(error.description)
        }
        return connection
    }

    /// Closes the database. Later calls fail with `.storageFailure`. Call it at shutdown, so the
    /// final WAL checkpoint runs on the store's thread rather than wherever the last reference
    /// happens to be released.
    public func close() {
        connection?.close()
        connection = nil
    }

    // MARK: EventHistoryStore

    public func append(_ batch: [StoredEvent], retention: HistoryRetention) throws(EventHistoryError) {
        guard !batch.isEmpty else { return }
        try inTransaction(.immediate) { (db) throws(EventHistoryError) in
            // Check the whole batch first, against the stored last seqs: all or nothing.
            var sessions: [String: SessionState] = [:]
            var touched: [String] = []
            for event in batch {
                var state: SessionState
                if let known = sessions[event.sessionId] {
                    state = known
                } else {
                    state = try Self.sessionState(db, event.sessionId) ?? SessionState()
                    touched.append(event.sessionId)
                }
                guard event.seq > state.lastSeq else {
                    throw .sequenceOutOfOrder(sessionId: event.sessionId, seq: event.seq, storedLastSeq: state.lastSeq)
                }
                guard event.seq <= UInt64(Int64.max) else {
                    throw .storageFailure("sequence number \(event.seq) of session \(event.sessionId) does not fit SQLite's INTEGER")
                }
                state.lastSeq = event.seq
                state.retainedEvents += 1
                state.retainedBytes += event.data.readableBytes
                sessions[event.sessionId] = state
            }
            try Self.insert(db, batch)
            for sessionId in touched {
                var state = sessions[sessionId]!
                try Self.trim(db, sessionId, &state, to: retention)
                try Self.save(db, sessionId, state)
            }
        }
        committedAppends += 1
    }

    public func loadTail(sessionId: String, retention: HistoryRetention) throws(EventHistoryError) -> StoredHistory {
        // One read transaction: both queries see the same snapshot.
        try inTransaction(.deferred) { (db) throws(EventHistoryError) in
            guard let state = try Self.sessionState(db, sessionId) else { return .empty }
            // Walk back from the newest event over sizes only, to find the oldest one retention
            // keeps, so data beyond a (possibly smaller) retention is never read.
            let sizes = try Self.mapErrors { () throws(SQLiteError) in
                try db.query(
                    "SELECT seq, length(data) FROM history_events WHERE session_id = ?1 ORDER BY seq DESC LIMIT ?2",
                    [.text(sessionId), .integer(Int64(retention.maxEvents))]
                ) { (row) throws(SQLiteError) in (try row.int64(0), Int(try row.int64(1))) }
            }
            var kept = 0
            var bytes = 0
            var oldestKept: Int64?
            for (seq, size) in sizes {
                if kept > 0, bytes + size > retention.maxBytes { break }
                kept += 1
                bytes += size
                oldestKept = seq
            }
            guard let oldestKept else { return StoredHistory(events: [], lastSeq: state.lastSeq) }
            let events = try Self.mapErrors { () throws(SQLiteError) in
                try db.query(
                    "SELECT seq, time_ms, data FROM history_events WHERE session_id = ?1 AND seq >= ?2 ORDER BY seq",
                    [.text(sessionId), .integer(oldestKept)]
                ) { (row) throws(SQLiteError) in
                    StoredEvent(
                        sessionId: sessionId,
                        // Only positive seqs are ever written; clamping spares a crash on a hand-edited file.
                        seq: UInt64(clamping: try row.int64(0)),
                        time: RelayTime(millisecondsSinceEpoch: try row.int64(1)),
                        data: Self.buffer(row.value(2))
                    )
                }
            }
            return StoredHistory(events: events, lastSeq: state.lastSeq)
        }
    }

    public func lastSeq(sessionId: String) throws(EventHistoryError) -> UInt64 {
        let db = try openConnection()
        return try Self.sessionState(db, sessionId)?.lastSeq ?? 0
    }

    // MARK: Statements

    /// A session's row in `history_sessions`.
    private struct SessionState {
        var lastSeq: UInt64 = 0
        var retainedEvents = 0
        var retainedBytes = 0
    }

    private static func sessionState(_ db: SQLiteConnection, _ sessionId: String) throws(EventHistoryError) -> SessionState? {
        let rows = try mapErrors { () throws(SQLiteError) in
            try db.query(
                "SELECT last_seq, retained_events, retained_bytes FROM history_sessions WHERE session_id = ?1",
                [.text(sessionId)]
            ) { (row) throws(SQLiteError) in (try row.int64(0), try row.int64(1), try row.int64(2)) }
        }
        guard let (lastSeq, events, bytes) = rows.first else { return nil }
        guard lastSeq >= 0, events >= 0, bytes >= 0 else {
            throw .storageFailure("history_sessions row of session \(sessionId) holds negative numbers")
        }
        return SessionState(lastSeq: UInt64(lastSeq), retainedEvents: Int(events), retainedBytes: Int(bytes))
    }

    private static func insert(_ db: SQLiteConnection, _ batch: [StoredEvent]) throws(EventHistoryError) {
        try mapErrors { () throws(SQLiteError) in
            let statement = try db.cachedStatement(
                "INSERT INTO history_events (session_id, seq, time_ms, data) VALUES (?1, ?2, ?3, ?4)"
            )
            defer { statement.reset() }
            for event in batch {
                try statement.bind(.text(event.sessionId), at: 1)
                try statement.bind(.integer(Int64(event.seq)), at: 2)
                try statement.bind(.integer(event.time.millisecondsSinceEpoch), at: 3)
                // The wrapper binds blobs from arrays: one copy of the bytes (a bulk copy from the
                // raw bytes, not an element-wise walk of the buffer's view), then SQLite's own.
                try statement.bind(.blob(event.data.withUnsafeReadableBytes { Array($0) }), at: 4)
                while try statement.step() {}
                statement.reset()
            }
        }
    }

    /// Deletes the session's oldest events until `state`'s counters fit `retention` (always
    /// keeping the newest event), reading only the sizes of the events it deletes.
    private static func trim(
        _ db: SQLiteConnection,
        _ sessionId: String,
        _ state: inout SessionState,
        to retention: HistoryRetention
    ) throws(EventHistoryError) {
        func overRetention() -> Bool {
            state.retainedEvents > retention.maxEvents
                || (state.retainedBytes > retention.maxBytes && state.retainedEvents > 1)
        }
        guard overRetention() else { return }
        var cut: Int64?  // events below this seq go
        let newest = Int64(state.lastSeq)
        while overRetention() {
            // The events the count limit alone removes, plus a few more for the byte limit (the
            // loop fetches more while the byte limit is still exceeded).
            let chunk = max(state.retainedEvents - retention.maxEvents, 0) + 16
            let rows = try mapErrors { () throws(SQLiteError) in
                try db.query(
                    """
                    SELECT seq, length(data) FROM history_events
                    WHERE session_id = ?1 AND seq >= ?2 AND seq < ?3 ORDER BY seq LIMIT ?4
                    """,
                    [.text(sessionId), .integer(cut ?? 0), .integer(newest), .integer(Int64(chunk))]
                ) { (row) throws(SQLiteError) in (try row.int64(0), Int(try row.int64(1))) }
            }
            if rows.isEmpty {
                // Only the newest event is left: the counters disagree with the table (someone
                // edited it by hand). Take the table's word.
                try recount(db, sessionId, &state)
                break
            }
            for (seq, size) in rows {
                guard overRetention() else { break }
                cut = seq + 1
                state.retainedEvents -= 1
                state.retainedBytes -= size
            }
        }
        guard let cut else { return }
        try mapErrors { () throws(SQLiteError) in
            try db.run("DELETE FROM history_events WHERE session_id = ?1 AND seq < ?2", [.text(sessionId), .integer(cut)])
        }
    }

    private static func recount(_ db: SQLiteConnection, _ sessionId: String, _ state: inout SessionState) throws(EventHistoryError) {
        let rows = try mapErrors { () throws(SQLiteError) in
            try db.query(
                "SELECT count(*), coalesce(sum(length(data)), 0) FROM history_events WHERE session_id = ?1",
                [.text(sessionId)]
            ) { (row) throws(SQLiteError) in (Int(try row.int64(0)), Int(try row.int64(1))) }
        }
        (state.retainedEvents, state.retainedBytes) = rows.first ?? (0, 0)
    }

    private static func save(_ db: SQLiteConnection, _ sessionId: String, _ state: SessionState) throws(EventHistoryError) {
        try mapErrors { () throws(SQLiteError) in
            try db.run(
                """
                INSERT INTO history_sessions (session_id, last_seq, retained_events, retained_bytes)
                VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (session_id) DO UPDATE SET
                    last_seq = excluded.last_seq,
                    retained_events = excluded.retained_events,
                    retained_bytes = excluded.retained_bytes
                """,
                [
                    .text(sessionId), .integer(Int64(state.lastSeq)),
                    .integer(Int64(state.retainedEvents)), .integer(Int64(state.retainedBytes)),
                ]
            )
        }
    }

    // MARK: Plumbing

    private func openConnection() throws(EventHistoryError) -> SQLiteConnection {
        guard let connection else { throw .storageFailure("history database \(path) is closed") }
        return connection
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    private func inTransaction<Result>(
        _ mode: SQLiteConnection.TransactionMode,
        _ body: (SQLiteConnection) throws(EventHistoryError) -> Result
    ) throws(EventHistoryError) -> Result {
        let db = try openConnection()
        try Self.mapErrors { () throws(SQLiteError) in try db.begin(mode) }
        do {
            let result = try body(db)
            try Self.mapErrors { () throws(SQLiteError) in try db.commit() }
            return result
        } catch {
            db.rollback()
            throw error
        }
    }

    @discardableResult
    private static func mapErrors<T>(_ body: () throws(SQLiteError) -> T) throws(EventHistoryError) -> T {
        do {
            return try body()
        } catch {
            throw .storageFailure(error.description)
        }
    }

    /// Event data as stored: a BLOB as we write it, or TEXT if another program wrote it.
    private static func buffer(_ value: SQLiteValue) -> ByteBuffer {
        switch value {
        case let .blob(bytes): return ByteBuffer(bytes: bytes)
        case let .text(text): return ByteBuffer(string: text)
        case .null, .integer, .real: return ByteBuffer()
        }
    }
}
