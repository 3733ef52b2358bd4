import NIOCore

/// A viewer's position in its session's log: the last sequence number handed to its socket.
///
/// This is all the state a viewer has beyond its socket: no queue, no copies. While the socket
/// takes bytes the cursor is fed the newest frames; when it does not, the cursor simply stays
/// behind and costs nothing; once the socket drains it is fed from the retained history, at the
/// socket's pace, with the same shared frames, until it catches up. If retention dropped events it
/// had not seen, it is told with one `gap` message and continues after the gap. Sequence numbers
/// handed out only ever increase by design, so nothing is delivered twice or out of order.
///
/// A value type owned by the fan-out's event loop.
public struct ViewerCursor: Hashable, Sendable {
    /// The last event sequence number written to the viewer's socket (or skipped by a gap).
    public private(set) var deliveredSeq: UInt64
    /// The last time the viewer made progress: frames were written, or its socket drained.
    public private(set) var lastProgress: RelayTime

    /// A cursor for a viewer joining at `now`.
    /// - `resumeAfter: nil` (no `?since`): the viewer gets the retained history, without a gap
    ///   message for what retention already dropped.
    /// - `resumeAfter: N`: events with `seq > N`; a `gap` first if retention lost some of them. An
    ///   `N` beyond the log's last seq (the client saw events the relay lost before they were
    ///   durable) is treated as "caught up", so new events are not withheld.
    public init(joining log: SessionLog, resumeAfter since: UInt64?, now: RelayTime) {
        if let since {
            deliveredSeq = min(since, log.lastSeq)
        } else {
            deliveredSeq = log.firstRetainedSeq - 1
        }
        lastProgress = now
    }

    /// Whether the log holds events this viewer has not been sent yet.
    @inlinable
    public func isBehind(_ log: SessionLog) -> Bool {
        deliveredSeq < log.lastSeq
    }

    /// What one `feed` call did.
    public struct FeedResult: Hashable, Sendable {
        public var framesWritten = 0
        public var bytesWritten = 0
        /// The gap announced in this call, if any.
        public var gap: ClosedRange<UInt64>?
        public init() {}
    }

    /// Writes the frames this viewer should get next, oldest first, through `write`: a `gap`
    /// frame if retention has moved past the cursor, then retained events, while `budget` bytes
    /// remain (the last frame may overshoot it, so a frame larger than any budget still goes out).
    /// `compressed` picks each entry's compressed frame where one exists.
    public mutating func feed(
        from log: SessionLog,
        budget: Int,
        compressed: Bool,
        now: RelayTime,
        write: (ByteBuffer) -> Void
    ) -> FeedResult {
        var result = FeedResult()
        guard budget > 0, deliveredSeq < log.lastSeq else { return result }
        var remaining = budget
        let firstRetained = log.firstRetainedSeq
        if deliveredSeq + 1 < firstRetained {
            let gap = (deliveredSeq + 1)...(firstRetained - 1)
            let frame = log.encoder.frame(.gap(from: gap.lowerBound, to: gap.upperBound))
            write(frame)
            result.gap = gap
            result.framesWritten += 1
            result.bytesWritten += frame.readableBytes
            remaining -= frame.readableBytes
            deliveredSeq = gap.upperBound
        }
        var offset = log.offset(after: deliveredSeq)
        let count = log.count
        while remaining > 0, offset < count {
            let entry = log[offset: offset]
            let frame = entry.frame(compressed: compressed)
            write(frame)
            result.framesWritten += 1
            result.bytesWritten += frame.readableBytes
            remaining -= frame.readableBytes
            deliveredSeq = entry.seq
            offset += 1
        }
        if result.framesWritten > 0 {
            lastProgress = now
        }
        return result
    }

    /// Records that every event up to `seq` was handed to the socket in one shared write (the
    /// fan-out's `SharedTail`) instead of through `feed`. Only valid when no gap precedes the
    /// cursor and `seq` is at most the log's last seq.
    mutating func markDelivered(through seq: UInt64, now: RelayTime) {
        precondition(seq >= deliveredSeq, "cursors only move forward")
        deliveredSeq = seq
        lastProgress = now
    }

    /// Records progress that did not go through `feed`, e.g. the viewer's socket drained and
    /// became writable again.
    public mutating func noteProgress(now: RelayTime) {
        lastProgress = max(lastProgress, now)
    }

    /// Whether the viewer has had something to receive but made no progress for `timeout` (4408).
    ///
    /// The clock starts at the later of its last progress and the arrival of the first event it
    /// has not been sent: a caught-up viewer of a quiet session is never stalled, and an event
    /// arriving after a long quiet spell gives it the full timeout to take it.
    public func isStalled(in log: SessionLog, now: RelayTime, timeout: TimeAmount) -> Bool {
        guard deliveredSeq < log.lastSeq else { return false }
        var waitingSince = lastProgress
        if let next = log.entry(after: deliveredSeq) {
            waitingSince = max(waitingSince, next.time)
        }
        return now.timeSince(waitingSince) >= timeout
    }
}
