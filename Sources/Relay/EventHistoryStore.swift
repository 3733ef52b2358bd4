import NIOCore

/// One event as persisted: session, sequence number, receive time and the raw JSON data.
public struct StoredEvent: Sendable, Hashable {
    public var sessionId: String
    public var seq: UInt64
    public var time: RelayTime
    public var data: ByteBuffer

    public init(sessionId: String, seq: UInt64, time: RelayTime, data: ByteBuffer) {
        self.sessionId = sessionId
        self.seq = seq
        self.time = time
        self.data = data
    }

    /// The persisted form of a log entry (shares the entry's data bytes).
    public init(sessionId: String, entry: SessionLogEntry) {
        self.init(sessionId: sessionId, seq: entry.seq, time: entry.time, data: entry.data)
    }
}

/// What a store holds for one session: the retained tail, oldest first, and the session's last
/// sequence number (which may be higher than the tail's last seq only if the store keeps it apart
/// from the events, e.g. in a sessions row).
public struct StoredHistory: Sendable, Hashable {
    public var events: [StoredEvent]
    public var lastSeq: UInt64

    public init(events: [StoredEvent], lastSeq: UInt64) {
        self.events = events
        self.lastSeq = lastSeq
    }

    public static let empty = StoredHistory(events: [], lastSeq: 0)
}

/// Why a history store operation failed.
public enum EventHistoryError: Error, Hashable, Sendable {
    /// The storage failed (I/O, full disk, locked database, ...); the batch may be retried.
    case storageFailure(String)
    /// An event's sequence number is not above the stored last seq of its session.
    case sequenceOutOfOrder(sessionId: String, seq: UInt64, storedLastSeq: UInt64)
}

/// The seam to durable event history (SQLite in the server; in memory for tests).
///
/// Durability contract: when `append` returns, every event of the batch is durable (committed),
/// and retention has been applied with the same rule as `SessionLog` (`HistoryRetention`). The
/// relay's `relay.sync` acknowledgements rest on this. A session's last seq must survive
/// retention (the newest event is always kept, or the last seq is stored apart).
public protocol EventHistoryStore: Sendable {
    /// Appends the batch (possibly spanning sessions, each session's events in ascending seq) in
    /// one transaction and trims each touched session to `retention`.
    func append(_ batch: [StoredEvent], retention: HistoryRetention) async throws(EventHistoryError)

    /// The session's retained tail within `retention` (oldest first) and its last seq; empty
    /// with last seq 0 for a session never seen.
    func loadTail(sessionId: String, retention: HistoryRetention) async throws(EventHistoryError) -> StoredHistory

    /// The session's last durable sequence number, 0 if none.
    func lastSeq(sessionId: String) async throws(EventHistoryError) -> UInt64
}
