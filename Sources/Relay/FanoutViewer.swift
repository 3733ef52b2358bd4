import NIOCore

/// What the fan-out needs from a viewer's connection; the I/O layer implements it on its
/// connection object (typically the channel handler, on the viewer's event loop).
///
/// Calls come from `SessionFanout` on that event loop. They may re-enter the fan-out (a write that
/// makes the channel unwritable fires `channelWritabilityChanged`, which calls `setWritable`;
/// a failed write may close and remove the viewer): the fan-out is written to allow that.
public protocol FanoutViewer: AnyObject {
    /// How many bytes to hand this connection in the current drain. Suggested:
    /// `min(highWaterMark - bufferedWritableBytes + 1, perDrainCap)`, so that using the budget up
    /// makes the channel unwritable (and `setWritable(_:false)` follows), and one viewer catching
    /// up from history cannot monopolize the loop (`RelaySettings.maxBytesPerViewerPerDrain`).
    /// A value <= 0 skips the viewer in this drain.
    var writeBudget: Int { get }

    /// Queues one or more complete frames, back to back (the bytes are shared with other viewers;
    /// do not mutate them).
    func write(_ frame: ByteBuffer)

    /// Flushes what `write` queued: one flush (one `writev`) per viewer per drain.
    func flush()
}

/// Identifies a viewer within one `SessionFanout`. Handed out by `addViewer`, stays valid until
/// `removeViewer`; a stale token is ignored safely (slots carry a generation).
public struct ViewerToken: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
}
