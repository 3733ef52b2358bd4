import Foundation
import NIOCore
import SQLite
import Testing
@testable import Relay

/// A fresh directory under the system temporary directory, removed when released.
private final class HistoryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("history-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    var databasePath: String { (path as NSString).appendingPathComponent(SQLiteEventHistoryStore.fileName) }
}

/// The stores every behavioural test runs against: they must agree exactly.
enum HistoryStoreKind: String, CaseIterable, Sendable {
    case inMemory
    case sqlite
}

private func makeStore(_ kind: HistoryStoreKind, in directory: HistoryDirectory) throws -> any EventHistoryStore {
    switch kind {
    case .inMemory: return InMemoryEventHistoryStore()
    case .sqlite: return try SQLiteEventHistoryStore.open(path: directory.databasePath)
    }
}

private func historyEvent(_ session: String, _ seq: Int, size: Int = 3, time milliseconds: Int64? = nil) -> StoredEvent {
    StoredEvent(
        sessionId: session,
        seq: UInt64(seq),
        time: time(milliseconds ?? Int64(seq) * 10),
        data: bytes(String(repeating: "7", count: size))
    )
}

/// User + system CPU time of this process so far (the busy machine's wall time misleads).
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// A deterministic pseudo-random sequence (HistoryTestRandom), so a failure can be replayed.
private struct HistoryTestRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct EventHistoryStoreBehaviourTests {
    @Test(arguments: HistoryStoreKind.allCases)
    func batchesWrittenToTheStoreRestoreTheSameLog(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        let retention = HistoryRetention(maxEvents: 5, maxBytes: 1 << 20)
        var log = SessionLog(retention: retention, encoder: testEncoder)
        var batcher = HistoryWriteBatcher<Int>(maxBatchEvents: 4)
        for n in 1...12 {
            batcher.enqueue(StoredEvent(sessionId: "abc", entry: log.append(bytes(#"{"n":\#(n)}"#), receivedAt: time(Int64(n)))))
        }
        while let batch = batcher.nextBatch() {
            try await store.append(batch.events, retention: retention)
            _ = batcher.flushCompleted(upTo: batch.id)
        }
        #expect(try await store.lastSeq(sessionId: "abc") == 12)
        let restored = SessionLog(
            restoring: try await store.loadTail(sessionId: "abc", retention: retention),
            retention: retention,
            encoder: testEncoder
        )
        #expect(restored.lastSeq == log.lastSeq)
        #expect(restored.firstRetainedSeq == log.firstRetainedSeq)
        #expect(restored.count == log.count)
        for offset in 0..<min(log.count, restored.count) {
            #expect(restored[offset: offset].frame == log[offset: offset].frame)
            #expect(restored[offset: offset].time == log[offset: offset].time)
        }
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func sessionNeverSeenHasEmptyHistoryAndLastSeqZero(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        try await store.append([historyEvent("other", 1)], retention: HistoryRetention())
        #expect(try await store.lastSeq(sessionId: "abc") == 0)
        #expect(try await store.loadTail(sessionId: "abc", retention: HistoryRetention()) == .empty)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func outOfOrderBatchIsRejectedWholeAcrossSessions(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        let retention = HistoryRetention()
        try await store.append([historyEvent("a", 1), historyEvent("a", 2)], retention: retention)
        // "b" is valid, but the batch also repeats a's seq 2: nothing of it may be stored.
        await #expect(throws: EventHistoryError.sequenceOutOfOrder(sessionId: "a", seq: 2, storedLastSeq: 2)) {
            try await store.append([historyEvent("b", 1), historyEvent("a", 2), historyEvent("a", 3)], retention: retention)
        }
        // Within a batch, the running last seq is what an event is checked against.
        await #expect(throws: EventHistoryError.sequenceOutOfOrder(sessionId: "a", seq: 4, storedLastSeq: 5)) {
            try await store.append([historyEvent("a", 5), historyEvent("a", 4)], retention: retention)
        }
        #expect(try await store.lastSeq(sessionId: "a") == 2)
        #expect(try await store.lastSeq(sessionId: "b") == 0)
        #expect(try await store.loadTail(sessionId: "a", retention: retention).events.map(\.seq) == [1, 2])
        #expect(try await store.loadTail(sessionId: "b", retention: retention) == .empty)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func sequenceNumbersMayJumpForward(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        try await store.append([historyEvent("a", 3), historyEvent("a", 9)], retention: HistoryRetention())
        let history = try await store.loadTail(sessionId: "a", retention: HistoryRetention())
        #expect(history.events.map(\.seq) == [3, 9])
        #expect(history.lastSeq == 9)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func retentionByCountKeepsTheNewestEvents(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        let retention = HistoryRetention(maxEvents: 3, maxBytes: 1 << 20)
        try await store.append((1...5).map { historyEvent("a", $0) }, retention: retention)
        try await store.append([historyEvent("a", 6)], retention: retention)
        let history = try await store.loadTail(sessionId: "a", retention: retention)
        #expect(history.events.map(\.seq) == [4, 5, 6])
        #expect(history.lastSeq == 6)
        // Stored beyond what a larger retention asks: trimming at append really deleted them.
        let wider = try await store.loadTail(sessionId: "a", retention: HistoryRetention())
        #expect(wider.events.map(\.seq) == [4, 5, 6])
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func retentionByBytesKeepsTheNewestEventsThatFit(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        let retention = HistoryRetention(maxEvents: 100, maxBytes: 25)
        // Sizes 10, 10, 10, 4, 8: from the newest, 8 + 4 + 10 = 22 fits, one more 10 does not.
        try await store.append(
            [historyEvent("a", 1, size: 10), historyEvent("a", 2, size: 10), historyEvent("a", 3, size: 10), historyEvent("a", 4, size: 4), historyEvent("a", 5, size: 8)],
            retention: retention
        )
        #expect(try await store.loadTail(sessionId: "a", retention: retention).events.map(\.seq) == [3, 4, 5])
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func newestEventIsKeptEvenWhenItAloneExceedsTheByteLimit(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        let retention = HistoryRetention(maxEvents: 10, maxBytes: 5)
        try await store.append([historyEvent("a", 1, size: 2), historyEvent("a", 2, size: 2)], retention: retention)
        try await store.append([historyEvent("a", 3, size: 50)], retention: retention)
        let history = try await store.loadTail(sessionId: "a", retention: retention)
        #expect(history.events.map(\.seq) == [3])
        #expect(history.events.first?.data.readableBytes == 50)
        #expect(history.lastSeq == 3)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func loadTailAppliesASmallerRetentionThanTheStoredOne(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        try await store.append((1...10).map { historyEvent("a", $0, size: 4) }, retention: HistoryRetention())
        let byCount = try await store.loadTail(sessionId: "a", retention: HistoryRetention(maxEvents: 2, maxBytes: 1000))
        #expect(byCount.events.map(\.seq) == [9, 10])
        #expect(byCount.lastSeq == 10)
        let byBytes = try await store.loadTail(sessionId: "a", retention: HistoryRetention(maxEvents: 1000, maxBytes: 13))
        #expect(byBytes.events.map(\.seq) == [8, 9, 10])
        let nothingFits = try await store.loadTail(sessionId: "a", retention: HistoryRetention(maxEvents: 1000, maxBytes: 0))
        #expect(nothingFits.events.map(\.seq) == [10], "the newest event is always kept")
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func batchSpanningSessionsTrimsEachToRetention(kind: HistoryStoreKind) async throws {
        let directory = try HistoryDirectory()
        let store = try makeStore(kind, in: directory)
        let retention = HistoryRetention(maxEvents: 2, maxBytes: 1 << 20)
        try await store.append([historyEvent("a", 1), historyEvent("b", 1), historyEvent("a", 2), historyEvent("b", 2), historyEvent("a", 3)], retention: retention)
        #expect(try await store.loadTail(sessionId: "a", retention: retention).events.map(\.seq) == [2, 3])
        #expect(try await store.loadTail(sessionId: "b", retention: retention).events.map(\.seq) == [1, 2])
    }

    /// The in-memory store is the reference: random batches over several sessions, with event
    /// sizes and retentions that trigger both limits, must leave both stores with equal answers.
    @Test func sqliteStoreAgreesWithTheInMemoryStoreOnRandomBatches() async throws {
        let directory = try HistoryDirectory()
        let reference = InMemoryEventHistoryStore()
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        var random = HistoryTestRandom(state: 0x5EED)
        let sessions = ["s1", "s2", "s3"]
        var lastSeqs: [String: Int] = [:]
        let retentions = [
            HistoryRetention(maxEvents: 7, maxBytes: 1 << 20),
            HistoryRetention(maxEvents: 50, maxBytes: 120),
            HistoryRetention(maxEvents: 4, maxBytes: 30),
        ]
        for round in 0..<60 {
            let retention = retentions[round / 20]
            var batch: [StoredEvent] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                let session = sessions.randomElement(using: &random)!
                let seq = lastSeqs[session, default: 0] + Int.random(in: 1...2, using: &random)
                lastSeqs[session] = seq
                batch.append(historyEvent(session, seq, size: Int.random(in: 0...40, using: &random)))
            }
            try await reference.append(batch, retention: retention)
            try await store.append(batch, retention: retention)
            for session in sessions {
                let loadRetention = retentions[Int.random(in: 0..<retentions.count, using: &random)]
                let expected = await reference.loadTail(sessionId: session, retention: loadRetention)
                #expect(try await store.loadTail(sessionId: session, retention: loadRetention) == expected, "round \(round)")
                #expect(try await store.lastSeq(sessionId: session) == expected.lastSeq)
            }
        }
        #expect(await store.committedAppends == 60)
    }
}

@Suite struct SQLiteEventHistoryStoreTests {
    @Test func eventsAndLastSeqSurviveClosingAndReopening() async throws {
        let directory = try HistoryDirectory()
        let retention = HistoryRetention(maxEvents: 4, maxBytes: 1 << 20)
        let written = (1...6).map { historyEvent("abc", $0, size: $0) }
        do {
            let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
            try await store.append(Array(written[0..<3]), retention: retention)
            try await store.append(Array(written[3...]), retention: retention)
            await store.close()
        }
        let reopened = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        let history = try await reopened.loadTail(sessionId: "abc", retention: retention)
        #expect(history == StoredHistory(events: Array(written[2...]), lastSeq: 6))
        #expect(try await reopened.lastSeq(sessionId: "abc") == 6)
        // Numbering continues where it stopped.
        await #expect(throws: EventHistoryError.sequenceOutOfOrder(sessionId: "abc", seq: 6, storedLastSeq: 6)) {
            try await reopened.append([historyEvent("abc", 6)], retention: retention)
        }
        try await reopened.append([historyEvent("abc", 7)], retention: retention)
        #expect(try await reopened.loadTail(sessionId: "abc", retention: retention).events.map(\.seq) == [4, 5, 6, 7])
    }

    @Test func lastSeqSurvivesEveryEventBeingTrimmed() async throws {
        let directory = try HistoryDirectory()
        let retention = HistoryRetention()
        do {
            let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
            try await store.append((1...5).map { historyEvent("abc", $0) }, retention: retention)
            await store.close()
        }
        // Every event trimmed away (as an operator purging the events table would).
        do {
            let connection = try SQLiteConnection(path: directory.databasePath)
            try connection.execute(
                "DELETE FROM history_events; UPDATE history_sessions SET retained_events = 0, retained_bytes = 0;"
            )
            connection.close()
        }
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        #expect(try await store.lastSeq(sessionId: "abc") == 5)
        #expect(try await store.loadTail(sessionId: "abc", retention: retention) == StoredHistory(events: [], lastSeq: 5))
        await #expect(throws: EventHistoryError.sequenceOutOfOrder(sessionId: "abc", seq: 1, storedLastSeq: 5)) {
            try await store.append([historyEvent("abc", 1)], retention: retention)
        }
        try await store.append([historyEvent("abc", 6)], retention: retention)
        #expect(try await store.loadTail(sessionId: "abc", retention: retention).events.map(\.seq) == [6])
    }

    @Test func countersLeftStaleByAHandEditedTableAreRecountedNotTrusted() async throws {
        let directory = try HistoryDirectory()
        let retention = HistoryRetention(maxEvents: 3, maxBytes: 1 << 20)
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        try await store.append((1...3).map { historyEvent("abc", $0) }, retention: retention)
        do {
            // Someone deletes the events by hand and leaves the counters (3 events) alone.
            let connection = try SQLiteConnection(path: directory.databasePath)
            try connection.execute("DELETE FROM history_events")
            connection.close()
        }
        // Trusting the stale counters would trim each new event's predecessor, keeping one event.
        for seq in 4...6 {
            try await store.append([historyEvent("abc", seq)], retention: retention)
        }
        #expect(try await store.loadTail(sessionId: "abc", retention: retention).events.map(\.seq) == [4, 5, 6])
        try await store.append([historyEvent("abc", 7)], retention: retention)
        #expect(try await store.loadTail(sessionId: "abc", retention: retention).events.map(\.seq) == [5, 6, 7])
    }

    @Test func dataAndTimeAreStoredExactlyAsReceived() async throws {
        let directory = try HistoryDirectory()
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        let json = #"{ "text" : "caf\u00e9 é 🎉\n", "n":[1 ,2] }"#
        try await store.append(
            [StoredEvent(sessionId: "abc", seq: 1, time: time(1_764_085_440_123), data: bytes(json))],
            retention: HistoryRetention()
        )
        await store.close()
        let connection = try SQLiteConnection(path: directory.databasePath)
        let rows = try connection.query("SELECT session_id, seq, time_ms, data FROM history_events") { (row) throws(SQLiteError) in
            (try row.text(0), try row.int64(1), try row.int64(2), try row.blob(3))
        }
        connection.close()
        #expect(rows.count == 1)
        #expect(rows.first?.0 == "abc")
        #expect(rows.first?.1 == 1)
        #expect(rows.first?.2 == 1_764_085_440_123)
        #expect(rows.first?.3 == Array(json.utf8))
    }

    @Test func databaseWithANewerSchemaIsRefused() throws {
        let directory = try HistoryDirectory()
        _ = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        do {
            let connection = try SQLiteConnection(path: directory.databasePath)
            try connection.setUserVersion(SQLiteEventHistoryStore.schemaVersion + 1)
            connection.close()
        }
        do {
            _ = try SQLiteEventHistoryStore.open(path: directory.databasePath)
            Issue.record("a database with a newer schema was opened")
        } catch {
            guard case let .storageFailure(message) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(message.contains("schema version \(SQLiteEventHistoryStore.schemaVersion + 1)"))
            #expect(message.contains("newer release"))
        }
    }

    @Test func newDatabaseIsMigratedInWALModeAndPrivateToItsOwner() async throws {
        let directory = try HistoryDirectory()
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        await store.close()
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.databasePath)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let connection = try SQLiteConnection(path: directory.databasePath, options: .reader)
        #expect(try connection.userVersion() == SQLiteEventHistoryStore.schemaVersion)
        #expect(try connection.queryText("PRAGMA journal_mode") == "wal")
        connection.close()
    }

    @Test func closedStoreFailsWithAStorageFailure() async throws {
        let directory = try HistoryDirectory()
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        await store.close()
        await #expect(throws: EventHistoryError.self) {
            try await store.lastSeq(sessionId: "abc")
        }
        do {
            try await store.append([historyEvent("abc", 1)], retention: HistoryRetention())
            Issue.record("append on a closed store succeeded")
        } catch {
            #expect(error == .storageFailure("history database \(directory.databasePath) is closed"))
        }
    }

    @Test func unopenableFileIsAStorageFailure() throws {
        #expect(throws: EventHistoryError.self) {
            try SQLiteEventHistoryStore.open(path: "/nonexistent-directory-\(UUID().uuidString)/history.sqlite3")
        }
    }

    @Test func batchOfAThousandEventsIsOneAllOrNothingTransaction() async throws {
        let directory = try HistoryDirectory()
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath)
        let retention = HistoryRetention()
        // The 1,000th event is out of order: the 999 before it must not be stored either.
        var failing = (1...999).map { historyEvent("abc", $0, size: 100) }
        failing.append(historyEvent("abc", 999, size: 100))
        await #expect(throws: EventHistoryError.sequenceOutOfOrder(sessionId: "abc", seq: 999, storedLastSeq: 999)) {
            try await store.append(failing, retention: retention)
        }
        #expect(try await store.lastSeq(sessionId: "abc") == 0)
        #expect(await store.committedAppends == 0)

        try await store.append((1...1000).map { historyEvent("abc", $0, size: 100) }, retention: retention)
        #expect(await store.committedAppends == 1)
        let history = try await store.loadTail(sessionId: "abc", retention: retention)
        #expect(history.events.count == 1000)
        #expect(history.lastSeq == 1000)
    }

    /// Throughput of batched appends in WAL mode, with fsync at every commit (FULL, the default)
    /// and without (NORMAL), in steady state: 20 batches of 1,000 events of 200 bytes spread over
    /// 4 sessions, retention 2,000 events per session, so later batches also trim. Prints
    /// events/s; asserts the outcome.
    @Test(.serialized, arguments: [SQLiteOpenOptions.Synchronous.full, .normal])
    func batchedAppendThroughput(synchronous: SQLiteOpenOptions.Synchronous) async throws {
        let directory = try HistoryDirectory()
        let store = try SQLiteEventHistoryStore.open(path: directory.databasePath, synchronous: synchronous)
        let retention = HistoryRetention(maxEvents: 2000, maxBytes: 64 * 1024 * 1024)
        let sessions = ["s0", "s1", "s2", "s3"]
        let payload = bytes(#"{"type":"output","text":""# + String(repeating: "x", count: 172) + #""}"#)
        var seq = 0
        let batches = (0..<20).map { _ in
            (0..<1000).map { index in
                if index % sessions.count == 0 { seq += 1 }
                return StoredEvent(sessionId: sessions[index % sessions.count], seq: UInt64(seq), time: time(Int64(seq)), data: payload)
            }
        }
        let clock = ContinuousClock()
        let cpuBefore = processCPUSeconds()
        let elapsed = try await clock.measure {
            for batch in batches {
                try await store.append(batch, retention: retention)
            }
        }
        let cpu = processCPUSeconds() - cpuBefore
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let total = batches.count * 1000
        print("SQLiteEventHistoryStore (synchronous=\(synchronous.rawValue)): \(total) events in \(batches.count) batches, \(payload.readableBytes) B each: "
            + "\(Int(Double(total) / seconds)) events/s, \(String(format: "%.2f", seconds * 1000 / Double(batches.count))) ms per batch, "
            + "\(String(format: "%.2f", cpu * 1000 / Double(batches.count))) ms CPU per batch")
        #expect(await store.committedAppends == batches.count)
        for session in sessions {
            let history = try await store.loadTail(sessionId: session, retention: retention)
            #expect(history.lastSeq == 5000)
            #expect(history.events.count == 2000)
            #expect(history.events.first?.seq == 3001)
        }
    }
}
