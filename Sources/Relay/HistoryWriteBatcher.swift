import NIOCore

/// Batches history writes and tracks what is durable, so the fan-out never waits for the disk and
/// `relay.sync` is answered exactly when every event up to its seq is on disk.
///
/// Sans-I/O and owned by one event loop (one batcher per home loop, or one for the relay on a
/// dedicated loop). The server drives it:
/// 1. every published entry: `enqueue(_:)`;
/// 2. when no batch is in flight (e.g. at the end of a loop iteration): `nextBatch()` and hand
///    the batch to `EventHistoryStore.append`; while it is in flight, new events accumulate into
///    the next batch (group commit);
/// 3. when `append` returns: `flushCompleted(upTo:)`, which returns the `relay.sync` waiters to
///    answer; if it throws: `flushFailed(_:)`, which puts the events back for a retry.
/// `Waiter` is whatever the server needs to answer a sync (presenter connection and request id).
public struct HistoryWriteBatcher<Waiter> {
    /// A set of events to write in one transaction.
    public struct Batch: Sendable {
        public let id: UInt64
        public let events: [StoredEvent]
        public let bytes: Int
    }

    /// A `relay.sync` that can be answered: `{"seq": seq}` to `waiter`.
    public struct SyncCompletion {
        public var waiter: Waiter
        public var seq: UInt64
    }

    public enum SyncRequest {
        /// Everything up to `seq` is already durable: answer now.
        case durable(seq: UInt64)
        /// The answer comes from a later `flushCompleted(upTo:)`.
        case waiting
    }

    public let maxBatchEvents: Int
    public let maxBatchBytes: Int

    private var pending = CircularBuffer<StoredEvent>()
    /// Bytes of event data waiting for the disk (pending and in flight).
    public private(set) var backlogBytes = 0
    private var inFlight: (batch: Batch, lastSeqBySession: [String: UInt64])?
    private var nextBatchId: UInt64 = 1

    private struct SessionProgress {
        var durableThrough: UInt64
        var enqueuedThrough: UInt64
        /// Waiting syncs, in ascending `upTo` order.
        var waiters: [(upTo: UInt64, waiter: Waiter)] = []
    }

    /// Only sessions with events not yet durable (or syncs waiting) are tracked.
    private var sessions: [String: SessionProgress] = [:]

    public init(maxBatchEvents: Int = 1000, maxBatchBytes: Int = 4 * 1024 * 1024) {
        precondition(maxBatchEvents >= 1 && maxBatchBytes >= 1, "batches must hold at least one event")
        self.maxBatchEvents = maxBatchEvents
        self.maxBatchBytes = maxBatchBytes
    }

    public var pendingEventCount: Int { pending.count }
    public var hasBatchInFlight: Bool { inFlight != nil }
    /// Nothing pending and nothing in flight: everything enqueued is durable.
    public var isIdle: Bool { pending.isEmpty && inFlight == nil }

    /// Queues a sequenced event for writing. A session's events must be enqueued in seq order.
    public mutating func enqueue(_ event: StoredEvent) {
        if sessions[event.sessionId] == nil {
            // Everything of the session before this event is durable: it had nothing outstanding.
            sessions[event.sessionId] = SessionProgress(durableThrough: max(event.seq, 1) - 1, enqueuedThrough: event.seq)
        } else {
            precondition(event.seq > sessions[event.sessionId]!.enqueuedThrough, "events of a session must be enqueued in order")
            sessions[event.sessionId]!.enqueuedThrough = event.seq
        }
        pending.append(event)
        backlogBytes += event.data.readableBytes
    }

    /// The next batch to write, or nil if one is in flight or nothing is pending.
    public mutating func nextBatch() -> Batch? {
        guard inFlight == nil, !pending.isEmpty else { return nil }
        var events: [StoredEvent] = []
        events.reserveCapacity(min(pending.count, maxBatchEvents))
        var bytes = 0
        var lastSeqBySession: [String: UInt64] = [:]
        while let event = pending.first, events.count < maxBatchEvents,
            events.isEmpty || bytes + event.data.readableBytes <= maxBatchBytes
        {
            pending.removeFirst()
            events.append(event)
            bytes += event.data.readableBytes
            lastSeqBySession[event.sessionId] = event.seq
        }
        let batch = Batch(id: nextBatchId, events: events, bytes: bytes)
        nextBatchId += 1
        inFlight = (batch, lastSeqBySession)
        return batch
    }

    /// The store committed every batch up to and including `batchId` (only one is ever in
    /// flight, so this is the in-flight batch). Returns the syncs to answer now.
    public mutating func flushCompleted(upTo batchId: UInt64) -> [SyncCompletion] {
        guard let (batch, lastSeqBySession) = inFlight, batch.id <= batchId else { return [] }
        inFlight = nil
        backlogBytes -= batch.bytes
        var completions: [SyncCompletion] = []
        for (sessionId, seq) in lastSeqBySession {
            guard var progress = sessions[sessionId] else { continue }
            progress.durableThrough = max(progress.durableThrough, seq)
            var satisfied = 0
            while satisfied < progress.waiters.count, progress.waiters[satisfied].upTo <= progress.durableThrough {
                let (upTo, waiter) = progress.waiters[satisfied]
                completions.append(SyncCompletion(waiter: waiter, seq: upTo))
                satisfied += 1
            }
            progress.waiters.removeFirst(satisfied)
            let settled = progress.durableThrough >= progress.enqueuedThrough && progress.waiters.isEmpty
            sessions[sessionId] = settled ? nil : progress
        }
        return completions
    }

    /// The in-flight batch failed: its events go back to the front of the queue, in order, to be
    /// retried by the next `nextBatch()` (the server decides when, e.g. after a backoff).
    public mutating func flushFailed(_ batchId: UInt64) {
        guard let (batch, _) = inFlight, batch.id == batchId else { return }
        inFlight = nil
        for event in batch.events.reversed() {
            pending.prepend(event)
        }
    }

    /// A presenter asked `relay.sync` when the session's last seq was `lastSeq`.
    public mutating func requestSync(sessionId: String, lastSeq: UInt64, waiter: Waiter) -> SyncRequest {
        guard var progress = sessions[sessionId], progress.durableThrough < lastSeq else {
            return .durable(seq: lastSeq)
        }
        progress.waiters.append((lastSeq, waiter))
        sessions[sessionId] = progress
        return .waiting
    }

    /// The highest seq of `sessionId` known durable, nil when nothing of it is outstanding (then
    /// everything it has is durable).
    public func durableSeq(sessionId: String) -> UInt64? {
        sessions[sessionId]?.durableThrough
    }

    /// Drops waiting syncs matching `predicate` (e.g. of a presenter that disconnected) and
    /// returns them.
    public mutating func cancelWaiters(where predicate: (Waiter) -> Bool) -> [Waiter] {
        var cancelled: [Waiter] = []
        for sessionId in Array(sessions.keys) {
            var progress = sessions[sessionId]!
            let before = progress.waiters.count
            progress.waiters.removeAll { entry in
                guard predicate(entry.waiter) else { return false }
                cancelled.append(entry.waiter)
                return true
            }
            guard progress.waiters.count != before else { continue }
            let settled = progress.durableThrough >= progress.enqueuedThrough && progress.waiters.isEmpty
            sessions[sessionId] = settled ? nil : progress
        }
        return cancelled
    }
}

extension HistoryWriteBatcher.SyncCompletion: Sendable where Waiter: Sendable {}
extension HistoryWriteBatcher.SyncRequest: Sendable where Waiter: Sendable {}
