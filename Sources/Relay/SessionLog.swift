import NIOCore

/// A session's event log: sequence numbers and the retained window of encoded events.
///
/// Owned by one event loop. The *primary* log (on the session's home loop) is the only place that
/// assigns sequence numbers: strictly increasing by one from the persisted last seq, whichever
/// presenter sent the event. A *replica* (`makeReplica()`, sent to another loop; the type is
/// `Sendable` and copying it shares all entries) receives the primary's entries through
/// `appendReplica(_:)` and applies the same retention, so both hold the same window.
///
/// Append and eviction are amortized O(1) (a ring buffer); finding where a viewer resumes is O(1)
/// while sequence numbers are contiguous (always, unless restored history has holes) and
/// O(log n) otherwise. Viewers never copy entries: they hold a `ViewerCursor` (a seq).
public struct SessionLog: Sendable {
    public enum Role: Sendable {
        case primary
        case replica
    }

    public private(set) var role: Role
    /// The newest sequence number ever assigned in this session (0 if none), retained or not.
    public private(set) var lastSeq: UInt64
    public let retention: HistoryRetention
    public let encoder: RelayFrameEncoder
    /// Sum of the retained events' data sizes (the quantity `retention.maxBytes` bounds).
    public private(set) var retainedBytes = 0
    /// The oldest retained sequence number; `lastSeq + 1` when nothing is retained. Kept as a
    /// field because every viewer feed reads it.
    public private(set) var firstRetainedSeq: UInt64
    private var entries: CircularBuffer<SessionLogEntry>

    /// A new primary log whose next event gets `lastSeq + 1`.
    public init(lastSeq: UInt64 = 0, retention: HistoryRetention = HistoryRetention(), encoder: RelayFrameEncoder) {
        self.role = .primary
        self.lastSeq = lastSeq
        self.retention = retention
        self.encoder = encoder
        self.firstRetainedSeq = lastSeq + 1
        self.entries = CircularBuffer(initialCapacity: 16)
    }

    /// A primary log restored after a restart: the stored tail is re-encoded (frames are not
    /// persisted) and numbering continues after `history.lastSeq`.
    public init(restoring history: StoredHistory, retention: HistoryRetention = HistoryRetention(), encoder: RelayFrameEncoder) {
        self.init(lastSeq: 0, retention: retention, encoder: encoder)
        entries.reserveCapacity(history.events.count)
        for event in history.events where event.seq > lastSeq {
            insert(SessionLogEntry(seq: event.seq, time: event.time, data: event.data, encoder: encoder, compress: false))
        }
        lastSeq = max(lastSeq, history.lastSeq)
        firstRetainedSeq = entries.first?.seq ?? lastSeq + 1
    }

    /// A copy of this log, for another event loop, that follows the primary via `appendReplica(_:)`.
    public func makeReplica() -> SessionLog {
        var replica = self
        replica.role = .replica
        return replica
    }

    // MARK: Appending

    /// Assigns the next sequence number to `data` (one valid JSON value), encodes its event frame
    /// once (and a compressed frame too when `compress` is true and the encoder can), retains it
    /// and evicts what retention no longer allows. Returns the entry for the viewers, the history
    /// writer and the replicas.
    @discardableResult
    public mutating func append(_ data: ByteBuffer, receivedAt time: RelayTime, compress: Bool = false) -> SessionLogEntry {
        precondition(role == .primary, "only the primary log assigns sequence numbers")
        let entry = SessionLogEntry(seq: lastSeq + 1, time: time, data: data, encoder: encoder, compress: compress)
        insert(entry)
        return entry
    }

    /// Adds an entry the primary produced. Entries must arrive in order; an entry at or below
    /// `lastSeq` (a duplicate delivery) is ignored and false is returned.
    @discardableResult
    public mutating func appendReplica(_ entry: SessionLogEntry) -> Bool {
        precondition(role == .replica, "appendReplica is for replicas; the primary uses append")
        guard entry.seq > lastSeq else { return false }
        insert(entry)
        return true
    }

    private mutating func insert(_ entry: SessionLogEntry) {
        entries.append(entry)
        lastSeq = entry.seq
        retainedBytes += entry.data.readableBytes
        while entries.count > retention.maxEvents || (retainedBytes > retention.maxBytes && entries.count > 1) {
            retainedBytes -= entries.removeFirst().data.readableBytes
        }
        firstRetainedSeq = entries.first!.seq
    }

    // MARK: Reading

    /// Number of retained events.
    public var count: Int { entries.count }

    /// The retained entry at `offset` (0 is the oldest).
    public subscript(offset offset: Int) -> SessionLogEntry { entries[offset: offset] }

    /// The offset of the first retained entry with a sequence number above `seq` (`count` if none).
    public func offset(after seq: UInt64) -> Int {
        let first = firstRetainedSeq
        guard seq >= first, !entries.isEmpty else { return 0 }
        guard seq < lastSeq else { return entries.count }
        // Contiguous numbering (always, unless restored history had holes): direct index.
        if lastSeq - first + 1 == UInt64(entries.count) {
            return Int(seq - first) + 1
        }
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[offset: middle].seq <= seq { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The first retained entry with a sequence number above `seq`.
    public func entry(after seq: UInt64) -> SessionLogEntry? {
        let offset = offset(after: seq)
        return offset < entries.count ? entries[offset: offset] : nil
    }

    /// What a reader that has seen everything up to `seq` gets next: the events retention lost
    /// (`{from: seq + 1, to: firstRetained - 1}`, nil if none) and the retained entries after `seq`.
    /// A `seq` beyond `lastSeq` is treated as `lastSeq`.
    public func read(after seq: UInt64) -> (gap: ClosedRange<UInt64>?, entries: CircularBuffer<SessionLogEntry>) {
        let seq = min(seq, lastSeq)
        let first = firstRetainedSeq
        let gap: ClosedRange<UInt64>? = seq + 1 < first ? (seq + 1)...(first - 1) : nil
        let start = entries.index(entries.startIndex, offsetBy: offset(after: seq))
        return (gap, entries[start..<entries.endIndex])
    }
}
