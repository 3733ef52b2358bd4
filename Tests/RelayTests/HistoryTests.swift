import NIOCore
import Testing
@testable import Relay

@Suite struct HistoryWriteBatcherTests {
    func event(_ session: String, _ seq: Int, size: Int = 3) -> StoredEvent {
        StoredEvent(sessionId: session, seq: UInt64(seq), time: time(Int64(seq)), data: bytes(String(repeating: "1", count: size)))
    }

    @Test func syncWithNothingOutstandingIsAnsweredAtOnce() {
        var batcher = HistoryWriteBatcher<String>()
        guard case .durable(seq: 12) = batcher.requestSync(sessionId: "abc", lastSeq: 12, waiter: "p1") else {
            Issue.record("sync should be answered at once")
            return
        }
    }

    @Test func syncIsAnsweredOnlyWhenEveryEventUpToItsSeqIsDurable() {
        var batcher = HistoryWriteBatcher<String>()
        for seq in 1...3 { batcher.enqueue(event("abc", seq)) }
        guard case .waiting = batcher.requestSync(sessionId: "abc", lastSeq: 3, waiter: "first") else {
            Issue.record("sync answered before durability")
            return
        }
        let batch = batcher.nextBatch()!
        #expect(batch.events.map(\.seq) == [1, 2, 3])
        #expect(batcher.nextBatch() == nil, "one batch in flight at a time")
        // Events arriving while the batch is in flight go into the next one.
        batcher.enqueue(event("abc", 4))
        guard case .waiting = batcher.requestSync(sessionId: "abc", lastSeq: 4, waiter: "second") else {
            Issue.record("sync answered before durability")
            return
        }
        let first = batcher.flushCompleted(upTo: batch.id)
        #expect(first.map(\.waiter) == ["first"])
        #expect(first.map(\.seq) == [3])
        #expect(batcher.durableSeq(sessionId: "abc") == 3)
        let next = batcher.nextBatch()!
        #expect(next.events.map(\.seq) == [4])
        let second = batcher.flushCompleted(upTo: next.id)
        #expect(second.map(\.waiter) == ["second"])
        #expect(second.map(\.seq) == [4])
        #expect(batcher.isIdle)
        #expect(batcher.durableSeq(sessionId: "abc") == nil, "settled sessions are forgotten")
        #expect(batcher.backlogBytes == 0)
    }

    @Test func batchesRespectEventAndByteLimitsAndSpanSessions() {
        var batcher = HistoryWriteBatcher<Int>(maxBatchEvents: 4, maxBatchBytes: 25)
        for seq in 1...3 { batcher.enqueue(event("a", seq, size: 10)) }
        for seq in 1...3 { batcher.enqueue(event("b", seq, size: 1)) }
        let first = batcher.nextBatch()!
        #expect(first.events.count == 2, "a third 10-byte event would pass 25 bytes")
        _ = batcher.flushCompleted(upTo: first.id)
        let second = batcher.nextBatch()!
        #expect(second.events.map(\.sessionId) == ["a", "b", "b", "b"])
        #expect(second.bytes == 13)
        _ = batcher.flushCompleted(upTo: second.id)
        #expect(batcher.isIdle)
    }

    @Test func oversizedEventStillGoesAloneInABatch() {
        var batcher = HistoryWriteBatcher<Int>(maxBatchEvents: 10, maxBatchBytes: 5)
        batcher.enqueue(event("a", 1, size: 50))
        #expect(batcher.nextBatch()?.events.count == 1)
    }

    @Test func failedBatchIsRetriedInOrderAndWaitersKeepWaiting() {
        var batcher = HistoryWriteBatcher<String>()
        for seq in 1...3 { batcher.enqueue(event("abc", seq)) }
        _ = batcher.requestSync(sessionId: "abc", lastSeq: 3, waiter: "p")
        let failed = batcher.nextBatch()!
        batcher.enqueue(event("abc", 4))
        batcher.flushFailed(failed.id)
        #expect(batcher.pendingEventCount == 4)
        let retry = batcher.nextBatch()!
        #expect(retry.events.map(\.seq) == [1, 2, 3, 4])
        #expect(batcher.flushCompleted(upTo: retry.id).map(\.waiter) == ["p"])
    }

    @Test func waitersOfADisconnectedPresenterCanBeCancelled() {
        var batcher = HistoryWriteBatcher<String>()
        batcher.enqueue(event("abc", 1))
        _ = batcher.requestSync(sessionId: "abc", lastSeq: 1, waiter: "gone")
        _ = batcher.requestSync(sessionId: "abc", lastSeq: 1, waiter: "stays")
        #expect(batcher.cancelWaiters { $0 == "gone" } == ["gone"])
        let batch = batcher.nextBatch()!
        #expect(batcher.flushCompleted(upTo: batch.id).map(\.waiter) == ["stays"])
    }

    @Test func batchesWrittenToTheStoreRestoreTheSameLog() async throws {
        let store = InMemoryEventHistoryStore()
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
        #expect(await store.appendCalls == 3)
        #expect(await store.lastSeq(sessionId: "abc") == 12)
        let restored = SessionLog(restoring: await store.loadTail(sessionId: "abc", retention: retention), retention: retention, encoder: testEncoder)
        #expect(restored.lastSeq == log.lastSeq)
        #expect(restored.firstRetainedSeq == log.firstRetainedSeq)
        for offset in 0..<log.count {
            #expect(restored[offset: offset].frame == log[offset: offset].frame)
        }
    }

    @Test func storeRejectsOutOfOrderBatchesWhole() async {
        let store = InMemoryEventHistoryStore()
        let retention = HistoryRetention()
        await #expect(throws: EventHistoryError.sequenceOutOfOrder(sessionId: "abc", seq: 1, storedLastSeq: 1)) {
            try await store.append([self.event("abc", 1), self.event("abc", 1)], retention: retention)
        }
        #expect(await store.lastSeq(sessionId: "abc") == 0)
        #expect(await store.loadTail(sessionId: "abc", retention: retention) == .empty)
    }
}

@Suite struct RelaySettingsTests {
    @Test func defaultsMatchTheContract() throws {
        let settings = RelaySettings()
        #expect(settings.stallTimeout == .seconds(60))
        #expect(settings.history.maxEvents == 10_000)
        #expect(settings.history.maxBytes == 67_108_864)
        #expect(settings.maxEventBytes == 1_048_576)
        #expect(settings.viewerLimits.perShare == 10_000)
        #expect(settings.pingInterval == .seconds(30))
        #expect(settings.presenceInterval == .milliseconds(250))
        try settings.validate()
    }

    @Test func invalidSettingsNameTheKey() {
        var settings = RelaySettings()
        settings.maxEventBytes = 2 * settings.history.maxBytes
        #expect(throws: RelaySettingsError.self) { try settings.validate() }
        do {
            try settings.validate()
        } catch {
            #expect(error.setting.hasPrefix("history.maxBytes"))
        }
        settings = RelaySettings()
        settings.stallTimeout = .zero
        do {
            try settings.validate()
            Issue.record("zero stall timeout accepted")
        } catch {
            #expect(error.description == "stallTimeout: must be positive")
        }
    }
}
