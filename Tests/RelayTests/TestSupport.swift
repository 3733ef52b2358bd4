import Foundation
import NIOCore
@testable import Relay

/// A stand-in for the WebSocket frame encoder: prefixes a marker instead of a real header, so
/// tests can see that every message went through the encoder and still read the payload.
let plainFrameMarker = "WS|"
let compressedFrameMarker = "Z|"

let testEncoder = RelayFrameEncoder(
    textFrame: { payload in
        var frame = ByteBuffer(string: plainFrameMarker)
        frame.writeImmutableBuffer(payload)
        return frame
    },
    compressedTextFrame: { payload in
        var frame = ByteBuffer(string: compressedFrameMarker)
        frame.writeImmutableBuffer(payload)
        return frame
    }
)

extension ByteBuffer {
    var string: String { String(buffer: self) }
}

func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

func time(_ milliseconds: Int64) -> RelayTime { RelayTime(millisecondsSinceEpoch: milliseconds) }

/// The JSON message inside a fake frame.
func payload(of frame: ByteBuffer) -> String {
    let text = frame.string
    for marker in [plainFrameMarker, compressedFrameMarker] where text.hasPrefix(marker) {
        return String(text.dropFirst(marker.count))
    }
    return text
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
    /// Frames written and not yet flushed.
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
        unflushed.append(frame)
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
