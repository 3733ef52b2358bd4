import NIOCore

/// The frames from one log position to the log's end, concatenated once per drain and handed to
/// every viewer at that position as one buffer.
///
/// Why: under load a drain owes each viewer several events (all published since its last drain).
/// Writing them as separate buffers costs a trip through the channel pipeline and a pending-write
/// entry per frame per viewer (profiled at 1,000 viewers × 1,000 events/s: that per-frame
/// bookkeeping, not the `writev`, was most of the relay's CPU). Viewers that are caught up all sit
/// at the same position, so the concatenation is built once and shared, like the frames themselves:
/// one copy of k frames per drain instead of k pipeline writes per viewer.
///
/// Drain-scoped: built lazily during one `SessionFanout.drain` and dropped at its end, so it never
/// holds memory between drains. Only a few positions are remembered per drain (viewers spread over
/// many positions are catching up from history and are fed frame by frame).
struct SharedTails {
    struct Tail {
        /// The cursor position (`deliveredSeq`) this tail continues from.
        let afterSeq: UInt64
        let compressed: Bool
        /// Every frame after `afterSeq` up to `throughSeq`, back to back.
        let bytes: ByteBuffer
        let frames: Int
        let throughSeq: UInt64
    }

    /// Positions remembered per drain; beyond this, viewers get frames one by one.
    static let maximumTails = 4
    /// Tails are only built for ranges up to this many bytes (the per-viewer drain cap).
    let maximumBytes: Int
    private var tails: [Tail] = []

    init(maximumBytes: Int) {
        self.maximumBytes = maximumBytes
    }

    /// The shared tail for a viewer whose cursor is at `afterSeq` (no gap before it), building it
    /// on first use. Nil when sharing would not pay: fewer than two frames to send, too many
    /// positions already, or more bytes than `maximumBytes`.
    mutating func tail(after afterSeq: UInt64, compressed: Bool, in log: SessionLog) -> Tail? {
        guard log.lastSeq > afterSeq, log.lastSeq - afterSeq >= 2 else { return nil }
        for tail in tails where tail.afterSeq == afterSeq && tail.compressed == compressed {
            return tail
        }
        guard tails.count < Self.maximumTails else { return nil }
        let start = log.offset(after: afterSeq)
        let end = log.count
        guard end - start >= 2 else { return nil }
        var total = 0
        for offset in start..<end {
            total += log[offset: offset].frame(compressed: compressed).readableBytes
            if total > maximumBytes { return nil }
        }
        var bytes = ByteBuffer()
        bytes.reserveCapacity(total)
        for offset in start..<end {
            var frame = log[offset: offset].frame(compressed: compressed)
            bytes.writeBuffer(&frame)
        }
        let tail = Tail(
            afterSeq: afterSeq,
            compressed: compressed,
            bytes: bytes,
            frames: end - start,
            throughSeq: log[offset: end - 1].seq
        )
        tails.append(tail)
        return tail
    }
}
