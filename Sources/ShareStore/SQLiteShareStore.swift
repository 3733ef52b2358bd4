import Foundation
import SQLite

/// `ShareStorage` on one SQLite file in WAL mode.
///
/// Two connections, each owned by an actor on its own thread: the writer (creates, revocations,
/// migrations, digest upkeep; there is exactly one) and a read-only reader (lookups, lists,
/// health), so viewer handshakes looking up tokens never queue behind a write's fsync. WAL lets
/// the reader see every committed write without blocking it.
public final class SQLiteShareStore: ShareStorage {
    /// The file name inside the data directory.
    public static let fileName = "share-relay.sqlite3"
    /// How many times `createShare` draws a new token after a collision before giving up. A
    /// collision of 190-bit random tokens does not happen; the retry only makes that explicit.
    static let tokenAttempts = 3

    public let path: String
    private let writer: ShareDatabase
    private let reader: ShareDatabase
    private let clock: any WallClock
    private let tokens: SecretTokenGenerator

    private init(path: String, writer: ShareDatabase, reader: ShareDatabase, clock: any WallClock, tokens: SecretTokenGenerator) {
        self.path = path
        self.writer = writer
        self.reader = reader
        self.clock = clock
        self.tokens = tokens
    }

    /// Opens (creating and migrating when needed) the database at `path`.
    ///
    /// - Parameters:
    ///   - busyTimeoutMilliseconds: how long a statement waits for another process's lock.
    ///   - clock: the source of "now" for `created_at`, `expires_at`, `revoked_at` and the active
    ///     predicate.
    /// - Throws: `.schemaTooNew` for a file written by a newer release, `.unavailable` otherwise.
    public static func open(
        path: String,
        clock: any WallClock = SystemWallClock(),
        tokens: SecretTokenGenerator = SecretTokenGenerator(),
        busyTimeoutMilliseconds: Int32 = 5000
    ) async throws(ShareStoreError) -> SQLiteShareStore {
        let writer = ShareDatabase(threadName: "share-db-writer")
        let reader = ShareDatabase(threadName: "share-db-reader")
        try await writer.open(
            path: path,
            options: SQLiteOpenOptions(busyTimeoutMilliseconds: busyTimeoutMilliseconds, synchronous: .full),
            migrator: try migrator()
        )
        do {
            var readerOptions = SQLiteOpenOptions.reader
            readerOptions.busyTimeoutMilliseconds = busyTimeoutMilliseconds
            try await reader.open(path: path, options: readerOptions, migrator: nil)
        } catch {
            await writer.close()
            throw error
        }
        return SQLiteShareStore(path: path, writer: writer, reader: reader, clock: clock, tokens: tokens)
    }

    /// Opens `<directory>/share-relay.sqlite3`, creating the directory (mode 0700) and the file
    /// (mode 0600) when missing.
    public static func open(
        dataDirectory directory: String,
        clock: any WallClock = SystemWallClock(),
        tokens: SecretTokenGenerator = SecretTokenGenerator()
    ) async throws(ShareStoreError) -> SQLiteShareStore {
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw .unavailable(reason: "cannot create data directory \(directory): \(error.localizedDescription)")
        }
        let path = (directory as NSString).appendingPathComponent(fileName)
        // Create the file readable by its owner only (it holds tokens in clear); SQLite gives the
        // -wal and -shm files the same permissions. An existing file keeps the mode it has.
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { Foundation.close(descriptor) }
        return try await open(path: path, clock: clock, tokens: tokens)
    }

    /// The schema version this release writes.
    public static var schemaVersion: Int { ShareSchema.migrations.count }

    private static func migrator() throws(ShareStoreError) -> SQLiteMigrator {
        do {
            return try SQLiteMigrator(ShareSchema.migrations)
        } catch {
            throw .unavailable(reason: error.description)
        }
    }

    // MARK: ShareStorage

    public func createShare(sessionID: SessionID, lifetime: ShareLifetime) async throws(ShareStoreError) -> Share {
        let now = clock.now()
        let expiresAt: UTCTimestamp?
        switch lifetime {
        case let .seconds(seconds): expiresAt = now.adding(seconds: seconds)
        case .indefinite: expiresAt = nil
        }
        for _ in 0..<Self.tokenAttempts {
            let share = Share(
                id: UUID().uuidString.lowercased(),
                sessionID: sessionID,
                token: try tokens.makeShareToken(),
                expiresAt: expiresAt,
                createdAt: now
            )
            if try await writer.insert(share) {
                return share
            }
        }
        throw .unavailable(reason: "could not insert a share with a unique token after \(Self.tokenAttempts) attempts")
    }

    public func revokeShare(token: ShareToken) async throws(ShareStoreError) -> ShareRevocation {
        try await writer.revoke(token: token, digest: Self.digest(token), now: clock.now())
    }

    public func activeShares(sessionID: SessionID) async throws(ShareStoreError) -> [Share] {
        try await reader.activeShares(sessionID: sessionID, now: clock.now())
    }

    public func lookupShare(token: ShareToken) async throws(ShareStoreError) -> ShareLookup {
        let digest = Self.digest(token)
        if let found = try await reader.find(token: token, digest: digest, now: clock.now()) {
            return found
        }
        // A miss: maybe the share was inserted by another program and has no digest yet.
        guard try await reader.hasPendingDigests() else { return .notFound }
        try await writer.fillPendingDigests()
        return try await reader.find(token: token, digest: digest, now: clock.now()) ?? .notFound
    }

    public func checkHealth() async throws(ShareStoreError) {
        try await reader.ping()
    }

    public func close() async {
        await reader.close()
        await writer.close()
    }

    private static func digest(_ token: ShareToken) -> [UInt8] {
        SecretComparison.sha256(token.rawValue.utf8)
    }
}
