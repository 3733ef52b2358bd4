/// An `EventHistoryStore` in memory, for tests and for running without a database. "Durable"
/// here means "in this actor": nothing survives the process.
public actor InMemoryEventHistoryStore: EventHistoryStore {
    private var sessions: [String: StoredHistory] = [:]
    /// Number of `append` calls that succeeded: lets tests see batching.
    public private(set) var appendCalls = 0
    /// When set, the next `append` fails with this error (once), to test retries.
    private var nextAppendFailure: EventHistoryError?

    public init() {}

    public func failNextAppend(with error: EventHistoryError) {
        nextAppendFailure = error
    }

    public func append(_ batch: [StoredEvent], retention: HistoryRetention) throws(EventHistoryError) {
        if let failure = nextAppendFailure {
            nextAppendFailure = nil
            throw failure
        }
        // Check the whole batch first: the transaction is all or nothing.
        var lastSeqs: [String: UInt64] = [:]
        for event in batch {
            let stored = lastSeqs[event.sessionId] ?? sessions[event.sessionId]?.lastSeq ?? 0
            guard event.seq > stored else {
                throw .sequenceOutOfOrder(sessionId: event.sessionId, seq: event.seq, storedLastSeq: stored)
            }
            lastSeqs[event.sessionId] = event.seq
        }
        for event in batch {
            sessions[event.sessionId, default: .empty].events.append(event)
            sessions[event.sessionId]!.lastSeq = event.seq
        }
        for sessionId in lastSeqs.keys {
            sessions[sessionId]!.events = Self.trim(sessions[sessionId]!.events, to: retention)
        }
        appendCalls += 1
    }

    public func loadTail(sessionId: String, retention: HistoryRetention) -> StoredHistory {
        guard let history = sessions[sessionId] else { return .empty }
        return StoredHistory(events: Self.trim(history.events, to: retention), lastSeq: history.lastSeq)
    }

    public func lastSeq(sessionId: String) -> UInt64 {
        sessions[sessionId]?.lastSeq ?? 0
    }

    /// The newest events within `retention`, keeping at least the newest one.
    static func trim(_ events: [StoredEvent], to retention: HistoryRetention) -> [StoredEvent] {
        var kept = 0
        var bytes = 0
        for event in events.reversed() {
            let size = event.data.readableBytes
            if kept > 0, kept + 1 > retention.maxEvents || bytes + size > retention.maxBytes { break }
            kept += 1
            bytes += size
        }
        return Array(events.suffix(kept))
    }
}
