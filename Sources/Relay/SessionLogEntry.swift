import NIOCore

/// One sequenced event as the relay keeps it: encoded once, shared by every viewer, every event
/// loop (see the multi-loop design in Relay.swift) and the history writer.
///
/// An immutable class, hence `Sendable` and shared by reference: handing an entry to a viewer,
/// a replica or the history writer costs one reference count, not one per buffer inside it
/// (measured with fewer slot accesses in the drain: 165 -> 99 ns per viewer visit).
public final class SessionLogEntry: Sendable {
    /// The session's sequence number for this event.
    public let seq: UInt64
    /// When the relay received the event; the `time` in its event message.
    public let time: RelayTime
    /// The complete WebSocket text frame carrying `{"type":"event",...}`.
    public let frame: ByteBuffer
    /// The same message as a compressed frame, when one was made (see `RelayFrameEncoder`).
    public let compressedFrame: ByteBuffer?
    /// The event's JSON exactly as the presenter sent it: a slice of `frame`, not a copy.
    public let data: ByteBuffer

    public init(seq: UInt64, time: RelayTime, frame: ByteBuffer, compressedFrame: ByteBuffer?, data: ByteBuffer) {
        self.seq = seq
        self.time = time
        self.frame = frame
        self.compressedFrame = compressedFrame
        self.data = data
    }

    /// Encodes the event message for `data` once and frames it with `encoder`.
    public convenience init(seq: UInt64, time: RelayTime, data: ByteBuffer, encoder: RelayFrameEncoder, compress: Bool) {
        var payload = encoder.allocator.buffer(
            capacity: RelayMessage.eventEnvelopeBytes + 20 + data.readableBytes
        )
        let dataOffset = RelayMessage.writeEvent(seq: seq, time: time, data: data, into: &payload)
        let frame = encoder.textFrame(payload)
        // The frame ends with the payload (the encoder's contract), so the data is a slice of the
        // frame and the presenter's buffer (often a slice of a larger read buffer) is released.
        let dataStartInFrame = frame.readableBytes - payload.readableBytes + dataOffset
        let storedData: ByteBuffer
        if dataStartInFrame >= dataOffset, let slice = frame.getSlice(at: frame.readerIndex + dataStartInFrame, length: data.readableBytes) {
            assert(slice == data, "RelayFrameEncoder.textFrame must end with the unchanged payload")
            storedData = slice
        } else {
            assertionFailure("RelayFrameEncoder.textFrame returned fewer bytes than its payload")
            storedData = payload.getSlice(at: payload.readerIndex + dataOffset, length: data.readableBytes)!
        }
        self.init(
            seq: seq,
            time: time,
            frame: frame,
            compressedFrame: compress ? encoder.compressedTextFrame?(payload) : nil,
            data: storedData
        )
    }

    /// The frame a viewer gets: the compressed one if it accepts compressed frames and one exists.
    @inlinable
    public func frame(compressed: Bool) -> ByteBuffer {
        if compressed, let compressedFrame { return compressedFrame }
        return frame
    }
}
