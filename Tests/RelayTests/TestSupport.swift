import Foundation
import NIOCore
@testable import Relay

/// A stand-in for the WebSocket frame encoder: a marker and the payload length instead of a real
/// header (`WS|<length>|<payload>`), so tests can see that every message went through the encoder,
/// still read the payload, and split writes that carry several frames back to back.
let plainFrameMarker = "WS|"
let compressedFrameMarker = "Z|"

func fakeFrame(marker: String, _ payload: ByteBuffer) -> ByteBuffer {
    var frame = ByteBuffer(string: "\(marker)\(payload.readableBytes)|")
    frame.writeImmutableBuffer(payload)
    return frame
}

let testEncoder = RelayFrameEncoder(
    textFrame: { payload in fakeFrame(marker: plainFrameMarker, payload) },
    compressedTextFrame: { payload in fakeFrame(marker: compressedFrameMarker, payload) }
)

extension ByteBuffer {
    var string: String { String(buffer: self) }
}

func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

func time(_ milliseconds: Int64) -> RelayTime { RelayTime(millisecondsSinceEpoch: milliseconds) }

/// The JSON message inside a fake frame.
func payload(of frame: ByteBuffer) -> String {
    var frame = frame
    guard let (_, length) = readFakeFrameHeader(&frame) else { return frame.string }
    return frame.readString(length: min(length, frame.readableBytes)) ?? ""
}

/// Reads `<marker><length>|` and returns the marker and the payload length, or nil (nothing read)
/// when the buffer does not start with a fake frame header.
private func readFakeFrameHeader(_ buffer: inout ByteBuffer) -> (marker: String, length: Int)? {
    let text = buffer.getString(at: buffer.readerIndex, length: min(buffer.readableBytes, 24)) ?? ""
    for marker in [plainFrameMarker, compressedFrameMarker] where text.hasPrefix(marker) {
        let digits = text.dropFirst(marker.count).prefix { $0.isNumber }
        guard let length = Int(digits), text.dropFirst(marker.count + digits.count).first == "|" else { return nil }
        buffer.moveReaderIndex(forwardBy: marker.count + digits.count + 1)
        return (marker, length)
    }
    return nil
}

/// Splits a write into the fake frames it carries (one or more, back to back).
func splitFakeFrames(_ written: ByteBuffer) -> [ByteBuffer] {
    var buffer = written
    var frames: [ByteBuffer] = []
    while buffer.readableBytes > 0 {
        let start = buffer.readerIndex
        guard let (_, length) = readFakeFrameHeader(&buffer), length <= buffer.readableBytes else {
            frames.append(buffer)  // not a fake frame: keep it whole
            break
        }
        buffer.moveReaderIndex(forwardBy: length)
        frames.append(written.getSlice(at: start, length: buffer.readerIndex - start)!)
    }
    return frames
}

func json(_ frame: ByteBuffer) -> [String: Any] {
    let data = Data(payload(of: frame).utf8)
    return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) as? [String: Any] ?? [:]
}

/// A viewer connection with a socket buffer of `capacity` bytes: writes fill it, `read(_:)`
/// (the client reading) empties it. The budget is the room left, like a channel's distance to
/// its high watermark.
final class FakeViewer: FanoutViewer {
    let name: String
    var capacity: Int
    var buffered = 0
    /// Frames written and not yet flushed (a write carrying several frames is split).
    var unflushed: [ByteBuffer] = []
    /// Frames flushed, in order.
    var received: [ByteBuffer] = []
    var flushCount = 0
    var writeCount = 0
    /// Runs after each write, to simulate re-entrant callbacks.
    var afterWrite: ((FakeViewer) -> Void)?

    init(_ name: String = "viewer", capacity: Int = .max / 2) {
        self.name = name
        self.capacity = capacity
    }

    var writeBudget: Int { capacity - buffered }

    func write(_ frame: ByteBuffer) {
        writeCount += 1
        buffered += frame.readableBytes
        unflushed.append(contentsOf: splitFakeFrames(frame))
        afterWrite?(self)
    }

    func flush() {
        flushCount += 1
        received.append(contentsOf: unflushed)
        unflushed.removeAll()
    }

    /// The client read everything.
    func readAll() { buffered = 0 }

    var messages: [[String: Any]] { received.map(json) }
    var types: [String] { messages.map { $0["type"] as? String ?? "?" } }
    var eventSeqs: [UInt64] {
        messages.compactMap { $0["type"] as? String == "event" ? ($0["seq"] as? NSNumber)?.uint64Value : nil }
    }
}

/// Counts drain requests; the test plays the event loop and calls `drain`.
final class DrainRequests {
    var count = 0
}

func makeFanout(
    lastSeq: UInt64 = 0,
    retention: HistoryRetention = HistoryRetention(),
    presence: PresenceState = PresenceState(presenter: true, viewers: 0),
    requests: DrainRequests = DrainRequests()
) -> SessionFanout {
    SessionFanout(
        sessionId: "abc123",
        log: SessionLog(lastSeq: lastSeq, retention: retention, encoder: testEncoder),
        presence: presence,
        requestDrain: { requests.count += 1 }
    )
}
