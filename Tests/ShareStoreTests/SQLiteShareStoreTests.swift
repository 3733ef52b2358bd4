import Foundation
import SQLite
import ShareStore
import Testing

/// The specified table, character for character.
let specifiedTableSQL = """
    CREATE TABLE session_shares (
        id          TEXT PRIMARY KEY,
        session_id  TEXT NOT NULL,
        share_token TEXT NOT NULL UNIQUE,
        expires_at  TEXT,
        revoked_at  TEXT,
        created_at  TEXT NOT NULL DEFAULT (datetime('now'))
    )
    """

/// The active predicate exactly as other programs run it.
let verbatimActivePredicate = "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > datetime('now'))"

@Suite final class SQLiteShareStoreTests {
    let directory: TemporaryDirectory
    let clock = ManualWallClock(UTCTimestamp(secondsSinceEpoch: 1_772_128_800))  // 2026-02-26 18:00:00

    init() throws {
        directory = try TemporaryDirectory()
    }

    deinit {
    }

    var path: String { directory.file(SQLiteShareStore.fileName) }

    func openStore() async throws(ShareStoreError) -> SQLiteShareStore {
        try await SQLiteShareStore.open(dataDirectory: directory.path, clock: clock)
    }

    let session = SessionID("abc123")!

    @Test func schemaIsTheSpecifiedTableAtTheCurrentVersion() async throws {
        let store = try await openStore()
        await store.close()
        let foreign = try ForeignSQLiteClient(path: path)
        #expect(try foreign.scalar("SELECT sql FROM sqlite_master WHERE name = 'session_shares'") == specifiedTableSQL)
        #expect(try foreign.scalar("PRAGMA user_version") == "\(SQLiteShareStore.schemaVersion)")
        #expect(try foreign.scalar("PRAGMA journal_mode") == "wal")
    }

    @Test func newDatabaseFileAndDirectoryAreReadableByTheOwnerOnly() async throws {
        let nested = directory.file("nested/data")
        let store = try await SQLiteShareStore.open(dataDirectory: nested, clock: clock)
        _ = try await store.createShare(sessionID: session, lifetime: .seconds(60))
        func mode(_ path: String) throws -> Int? {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
        }
        #expect(try mode(nested) == 0o700)
        #expect(try mode(store.path) == 0o600)
        #expect(try mode(store.path + "-wal") == 0o600)
        await store.close()
    }

    @Test func createdShareIsStoredInSQLiteTimeFormatAndListed() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .seconds(3600))
        #expect(share.createdAt.rfc3339 == "2026-02-26T18:00:00Z")
        #expect(share.expiresAt?.rfc3339 == "2026-02-26T19:00:00Z")
        #expect(try await store.activeShares(sessionID: session) == [share])
        #expect(try await store.lookupShare(token: share.token) == .active(share))
        let foreign = try ForeignSQLiteClient(path: path)
        let row = try foreign.rows("SELECT session_id, share_token, expires_at, revoked_at, created_at FROM session_shares")
        #expect(row == [["abc123", share.token.rawValue, "2026-02-26 19:00:00", nil, "2026-02-26 18:00:00"]])
        await store.close()
    }

    @Test func indefiniteShareHasNoExpiry() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .indefinite)
        #expect(share.expiresAt == nil)
        clock.advance(by: 10 * 365 * 86_400)
        #expect(try await store.lookupShare(token: share.token) == .active(share))
        await store.close()
    }

    @Test func activePredicateRunVerbatimAgreesWithActiveSharesAcrossExpiryBoundaries() async throws {
        let store = try await openStore()
        let foreign = try ForeignSQLiteClient(path: path)
        var compared = false
        // SQLite's datetime('now') is the real clock; the injectable clock places shares so that
        // they expire just before, exactly at and just after it. Each attempt starts just after
        // the real clock's second ticks (so it has most of a second even on a loaded machine), and
        // is retried if the second ticks anyway.
        for attempt in 0..<20 where !compared {
            let fraction = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 1)
            try await Task.sleep(for: .milliseconds(Int((1 - fraction) * 1000) + 5))
            let session = SessionID("boundary-\(attempt)")!
            let realNowText = try #require(try foreign.scalar("SELECT datetime('now')"))
            let realNow = try #require(UTCTimestamp(sqliteText: realNowText))
            var expectedActive: [ShareToken] = []
            for offset: Int64 in -3...3 {
                clock.set(realNow.adding(seconds: -100))
                let share = try await store.createShare(sessionID: session, lifetime: .seconds(100 + offset))
                if offset > 0 { expectedActive.append(share.token) }
            }
            let indefinite = try await store.createShare(sessionID: session, lifetime: .indefinite)
            expectedActive.append(indefinite.token)
            let revoked = try await store.createShare(sessionID: session, lifetime: .seconds(1000))
            _ = try await store.revokeShare(token: revoked.token)

            clock.set(realNow)
            let listed = try await store.activeShares(sessionID: session).map(\.token.rawValue)
            let verbatim = try foreign.rows(
                "SELECT share_token FROM session_shares WHERE session_id = '\(session.rawValue)' AND "
                    + verbatimActivePredicate + " ORDER BY created_at, rowid"
            ).map { $0[0] ?? "" }
            guard try foreign.scalar("SELECT datetime('now')") == realNowText else { continue }
            #expect(listed == verbatim)
            #expect(Set(listed) == Set(expectedActive.map(\.rawValue)))
            compared = true
        }
        #expect(compared, "the real clock ticked during every attempt")
        await store.close()
    }

    @Test func shareExpiresExactlyAtExpiresAt() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .seconds(60))
        clock.advance(by: 59)
        #expect(try await store.lookupShare(token: share.token) == .active(share))
        #expect(try await store.activeShares(sessionID: session).count == 1)
        clock.advance(by: 1)
        #expect(try await store.lookupShare(token: share.token) == .expired(share))
        #expect(try await store.activeShares(sessionID: session).isEmpty)
        await store.close()
    }

    @Test func revokedShareIsNotListedAndLooksUpRevoked() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .seconds(3600))
        clock.advance(by: 5)
        guard case let .revoked(revoked) = try await store.revokeShare(token: share.token) else {
            Issue.record("expected .revoked")
            return
        }
        #expect(revoked.revokedAt?.rfc3339 == "2026-02-26T18:00:05Z")
        #expect(try await store.activeShares(sessionID: session).isEmpty)
        #expect(try await store.lookupShare(token: share.token) == .revoked(revoked))
        #expect(try await store.revokeShare(token: share.token) == .alreadyRevoked(revoked))
        let foreign = try ForeignSQLiteClient(path: path)
        #expect(try foreign.scalar("SELECT revoked_at FROM session_shares") == "2026-02-26 18:00:05")
        await store.close()
    }

    @Test func revokingAnExpiredShareMarksItRevokedAndRevokedWinsOverExpired() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .seconds(10))
        clock.advance(by: 20)
        #expect(try await store.lookupShare(token: share.token) == .expired(share))
        guard case .revoked = try await store.revokeShare(token: share.token) else {
            Issue.record("expected .revoked")
            return
        }
        guard case .revoked = try await store.lookupShare(token: share.token) else {
            Issue.record("revoked must win over expired")
            return
        }
        await store.close()
    }

    @Test func unknownTokenIsNotFoundAndChangesNothing() async throws {
        let store = try await openStore()
        _ = try await store.createShare(sessionID: session, lifetime: .seconds(10))
        let unknown = try SecretTokenGenerator().makeShareToken()
        #expect(try await store.lookupShare(token: unknown) == .notFound)
        #expect(try await store.revokeShare(token: unknown) == .notFound)
        let foreign = try ForeignSQLiteClient(path: path)
        #expect(try foreign.scalar("SELECT count(*) FROM session_shares WHERE revoked_at IS NOT NULL") == "0")
        await store.close()
    }

    @Test func listIsOldestFirstAndOnlyForTheSession() async throws {
        let store = try await openStore()
        let first = try await store.createShare(sessionID: session, lifetime: .seconds(100))
        let sameSecond = try await store.createShare(sessionID: session, lifetime: .seconds(50))
        clock.advance(by: 1)
        let later = try await store.createShare(sessionID: session, lifetime: .seconds(10))
        _ = try await store.createShare(sessionID: SessionID("other")!, lifetime: .seconds(10))
        #expect(try await store.activeShares(sessionID: session).map(\.token) == [first.token, sameSecond.token, later.token])
        await store.close()
    }

    @Test func shareInsertedByAnotherProgramIsFoundOnFirstLookup() async throws {
        let store = try await openStore()
        let token = try SecretTokenGenerator().makeShareToken()
        let foreign = try ForeignSQLiteClient(path: path)
        // What the clawd daemon or an operator would type: defaults for created_at.
        try foreign.execute(
            "INSERT INTO session_shares (id, session_id, share_token, expires_at) "
                + "VALUES ('ext-1', 'abc123', '\(token.rawValue)', datetime('now', '+1 hour'))"
        )
        clock.set(SystemWallClock().now())
        guard case let .active(share) = try await store.lookupShare(token: token) else {
            Issue.record("expected the externally inserted share to be active")
            return
        }
        #expect(share.id == "ext-1")
        #expect(try await store.activeShares(sessionID: session).map(\.token) == [token])
        #expect(try foreign.scalar("SELECT count(*) FROM share_token_digests WHERE token_sha256 IS NULL") == "0")
        await store.close()
    }

    @Test func revokedAtWrittenByAnotherProgramIsHonoured() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .seconds(3600))
        let foreign = try ForeignSQLiteClient(path: path)
        try foreign.execute("UPDATE session_shares SET revoked_at = datetime('now') WHERE share_token = '\(share.token.rawValue)'")
        guard case .revoked = try await store.lookupShare(token: share.token) else {
            Issue.record("expected .revoked")
            return
        }
        #expect(try await store.activeShares(sessionID: session).isEmpty)
        // Any non-NULL value revokes, even one that is not a timestamp.
        let other = try await store.createShare(sessionID: session, lifetime: .seconds(3600))
        try foreign.execute("UPDATE session_shares SET revoked_at = 1 WHERE share_token = '\(other.token.rawValue)'")
        #expect(try await store.lookupShare(token: other.token).share?.isRevoked == true)
        await store.close()
    }

    @Test func tokenChangedByAnotherProgramIsFoundOnlyUnderItsNewValue() async throws {
        let store = try await openStore()
        let share = try await store.createShare(sessionID: session, lifetime: .seconds(3600))
        let replacement = try SecretTokenGenerator().makeShareToken()
        let foreign = try ForeignSQLiteClient(path: path)
        try foreign.execute("UPDATE session_shares SET share_token = '\(replacement.rawValue)' WHERE id = '\(share.id)'")
        #expect(try await store.lookupShare(token: share.token) == .notFound)
        #expect(try await store.lookupShare(token: replacement).share?.id == share.id)
        try foreign.execute("DELETE FROM session_shares")
        #expect(try await store.lookupShare(token: replacement) == .notFound)
        #expect(try foreign.scalar("SELECT count(*) FROM share_token_digests") == "0")
        await store.close()
    }

    @Test func sharesSurviveClosingAndReopening() async throws {
        var store = try await openStore()
        var created: [Share] = []
        for _ in 0..<5 {
            created.append(try await store.createShare(sessionID: session, lifetime: .seconds(3600)))
        }
        await store.close()
        store = try await openStore()
        #expect(try await store.activeShares(sessionID: session) == created)
        await store.close()
    }

    @Test func databaseWithNewerSchemaVersionIsRefusedWithAClearMessage() async throws {
        let store = try await openStore()
        await store.close()
        let foreign = try ForeignSQLiteClient(path: path)
        try foreign.execute("PRAGMA user_version = 99")
        do {
            _ = try await openStore()
            Issue.record("expected the newer database to be refused")
        } catch {
            #expect(error == .schemaTooNew(path: path, found: 99, supported: SQLiteShareStore.schemaVersion))
            #expect(error.description.contains("schema version 99"))
            #expect(error.description.contains("newer release"))
        }
    }

    @Test func concurrentCreatesAllSucceedWithDistinctTokens() async throws {
        let store = try await openStore()
        let tokens = try await withThrowingTaskGroup(of: ShareToken.self) { group in
            for index in 0..<40 {
                group.addTask { try await store.createShare(sessionID: SessionID("s\(index % 4)")!, lifetime: .seconds(60)).token }
            }
            return try await group.reduce(into: Set<ShareToken>()) { $0.insert($1) }
        }
        #expect(tokens.count == 40)
        #expect(try await store.activeShares(sessionID: SessionID("s1")!).count == 10)
        await store.close()
    }

    @Test func healthCheckAnswersWhileOpenAndClosedStoreThrowsClosed() async throws {
        let store = try await openStore()
        try await store.checkHealth()
        await store.close()
        await #expect(throws: ShareStoreError.closed) { try await store.checkHealth() }
        await #expect(throws: ShareStoreError.closed) { try await store.createShare(sessionID: session, lifetime: .indefinite) }
    }

    @Test func unreadableExpiresAtWrittenByAnotherProgramIsReportedNotGuessed() async throws {
        let store = try await openStore()
        let token = try SecretTokenGenerator().makeShareToken()
        let foreign = try ForeignSQLiteClient(path: path)
        try foreign.execute(
            "INSERT INTO session_shares (id, session_id, share_token, expires_at) VALUES ('bad', 'abc123', '\(token.rawValue)', 'tomorrow')"
        )
        await #expect(throws: ShareStoreError.invalidStoredValue(shareID: "bad", column: "expires_at", value: "tomorrow")) {
            try await store.activeShares(sessionID: session)
        }
        await store.close()
    }
}
